using Confab.Chat;
using Confab.Chat.Conversations;
using Confab.Chat.Messages;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>
/// POST|GET /api/v1/conversations, GET /api/v1/conversations/{id},
/// POST|GET /api/v1/conversations/{id}/messages, POST /api/v1/conversations/{id}/read and /delivered.
/// A caller who is not a member gets 404, as if the conversation did not exist.
/// </summary>
public static class ConversationsApi
{
    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder routes)
    {
        var conversations = routes.MapGroup("/api/v1/conversations").WithTags("Conversations").RequireAuthorization();
        conversations.MapPost("/", CreateAsync);
        conversations.MapGet("/", ListAsync);
        conversations.MapGet("/{id:guid}", GetAsync);
        conversations.MapPost("/{id:guid}/messages", SendAsync);
        conversations.MapGet("/{id:guid}/messages", HistoryAsync);
        conversations.MapPatch("/{id:guid}/messages/{messageId:guid}", EditAsync);
        conversations.MapDelete("/{id:guid}/messages/{messageId:guid}", DeleteAsync);
        conversations.MapGet("/{id:guid}/messages/{messageId:guid}/edits", EditsAsync);
        conversations.MapGet("/{id:guid}/messages/{messageId:guid}/seen", async (Guid id, Guid messageId, MessageStore messages, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await messages.SeenByAsync(CurrentSession.Of(http).UserId, id, messageId, ct)));
        conversations.MapGet("/{id:guid}/messages/{messageId:guid}/replies", async (Guid id, Guid messageId, long? after, int? limit, MessageStore messages, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await messages.RepliesAsync(CurrentSession.Of(http).UserId, id, messageId, after, limit ?? 50, ct)));
        conversations.MapGet("/{id:guid}/messages/{messageId:guid}/around", async (Guid id, Guid messageId, int? limit, MessageStore messages, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await messages.AroundAsync(CurrentSession.Of(http).UserId, id, messageId, limit ?? 51, ct)));
        conversations.MapGet("/{id:guid}/messages/{messageId:guid}/reactions", ReactionsAsync);
        conversations.MapPut("/{id:guid}/messages/{messageId:guid}/reactions/{emoji}", AddReactionAsync);
        conversations.MapDelete("/{id:guid}/messages/{messageId:guid}/reactions/{emoji}", RemoveReactionAsync);
        conversations.MapPost("/{id:guid}/read", (Guid id, ReceiptRequest request, MessageStore messages, HttpContext http, CancellationToken ct) =>
            ReceiptAsync(id, request, read: true, messages, http, ct));
        conversations.MapPost("/{id:guid}/delivered", (Guid id, ReceiptRequest request, MessageStore messages, HttpContext http, CancellationToken ct) =>
            ReceiptAsync(id, request, read: false, messages, http, ct));
        return routes;
    }

    private static async Task<Results<Created<ConversationView>, Ok<ConversationView>>> CreateAsync(
        CreateConversationRequest request, ConversationStore conversations, HttpContext http, CancellationToken ct)
    {
        var (conversation, created) = await conversations.CreateAsync(
            CurrentSession.Of(http).UserId, new NewConversation(request.Kind, request.Members, request.Title), ct);
        return created ? TypedResults.Created($"/api/v1/conversations/{conversation.Id}", conversation) : TypedResults.Ok(conversation);
    }

    private static async Task<Ok<ConversationPage>> ListAsync(string? cursor, int? limit, ConversationStore conversations, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await conversations.ListAsync(CurrentSession.Of(http).UserId, cursor, limit ?? 50, ct));

    private static async Task<Ok<ConversationView>> GetAsync(Guid id, ConversationStore conversations, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await conversations.GetAsync(CurrentSession.Of(http).UserId, id, ct));

    private static async Task<Results<Created<MessageView>, Ok<MessageView>>> SendAsync(
        Guid id, SendMessageRequest request, Messaging.MessageSending sending, HttpContext http, CancellationToken ct)
    {
        var (message, created) = await sending.SendAsync(
            CurrentSession.Of(http).UserId, id, new NewMessage(request.ClientMsgId, request.Body, request.Ciphertext, request.ReplyTo)
            {
                AttachmentIds = request.AttachmentIds ?? [],
            },
            ct);
        return created
            ? TypedResults.Created($"/api/v1/conversations/{id}/messages/{message.Id}", message)
            : TypedResults.Ok(message);
    }

    private static async Task<Ok<MessagePage>> HistoryAsync(
        Guid id, long? before, long? after, int? limit, MessageStore messages, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await messages.HistoryAsync(CurrentSession.Of(http).UserId, id, before, after, limit ?? 50, ct));

    private static async Task<Ok<MessageView>> EditAsync(
        Guid id, Guid messageId, EditMessageRequest request, MessageStore messages, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await messages.EditAsync(CurrentSession.Of(http).UserId, id, messageId, request.Body, request.Ciphertext, ct));

    private static async Task<NoContent> DeleteAsync(Guid id, Guid messageId, MessageStore messages, HttpContext http, CancellationToken ct)
    {
        await messages.DeleteAsync(CurrentSession.Of(http).UserId, id, messageId, CurrentSession.Client(http), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<MessageEdit>>> EditsAsync(Guid id, Guid messageId, MessageStore messages, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await messages.EditsAsync(CurrentSession.Of(http).UserId, id, messageId, ct));

    private static async Task<Ok<IReadOnlyList<ReactionGroup>>> ReactionsAsync(Guid id, Guid messageId, MessageStore messages, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await messages.ReactionsAsync(CurrentSession.Of(http).UserId, id, messageId, ct));

    private static async Task<NoContent> AddReactionAsync(Guid id, Guid messageId, string emoji, MessageStore messages, HttpContext http, CancellationToken ct)
    {
        await messages.AddReactionAsync(CurrentSession.Of(http).UserId, id, messageId, emoji, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> RemoveReactionAsync(Guid id, Guid messageId, string emoji, MessageStore messages, HttpContext http, CancellationToken ct)
    {
        await messages.RemoveReactionAsync(CurrentSession.Of(http).UserId, id, messageId, emoji, ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ReceiptAsync(Guid id, ReceiptRequest request, bool read, MessageStore messages, HttpContext http, CancellationToken ct)
    {
        if (request.Seq is not { } seq)
        {
            throw ChatException.Invalid("seq", "is required");
        }

        var caller = CurrentSession.Of(http).UserId;
        return TypedResults.Ok(read ? await messages.MarkReadAsync(caller, id, seq, ct) : await messages.MarkDeliveredAsync(caller, id, seq, ct));
    }
}

public sealed record CreateConversationRequest(string? Kind, List<Guid>? Members, string? Title);

/// <summary><c>ciphertext</c> travels as base64.</summary>
public sealed record SendMessageRequest(string? ClientMsgId, string? Body, byte[]? Ciphertext, Guid? ReplyTo, List<Guid>? AttachmentIds = null);

public sealed record ReceiptRequest(long? Seq);

public sealed record EditMessageRequest(string? Body, byte[]? Ciphertext);
