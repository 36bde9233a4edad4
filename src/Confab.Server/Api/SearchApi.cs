using Confab.Chat.Search;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>GET /api/v1/search?q=TEXT[&amp;conversationId=ID][&amp;limit=N][&amp;cursor=C]: my messages, newest first.</summary>
public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/search", SearchAsync).WithTags("Search").RequireAuthorization();
        return routes;
    }

    private static async Task<Ok<SearchPage>> SearchAsync(
        string? q, Guid? conversationId, string? cursor, int? limit, MessageSearch search, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await search.SearchAsync(CurrentSession.Of(http).UserId, q, conversationId, cursor, limit ?? 20, ct));
}
