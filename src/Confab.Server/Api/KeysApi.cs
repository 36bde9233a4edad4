using Confab.Chat.Keys;
using Confab.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confab.Server.Api;

/// <summary>
/// POST|GET /api/v1/devices, DELETE /api/v1/devices/{id}, PUT /api/v1/devices/{id}/signed-prekey,
/// POST /api/v1/devices/{id}/prekeys, GET /api/v1/users/{userId}/keys (claims one-time prekeys).
/// Keys travel as base64.
/// </summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder routes)
    {
        var devices = routes.MapGroup("/api/v1/devices").WithTags("Keys").RequireAuthorization();
        devices.MapPost("/", async Task<Created<DeviceView>> (NewDeviceRequest request, KeyDirectory keys, HttpContext http, CancellationToken ct) =>
        {
            var device = await keys.RegisterDeviceAsync(CurrentSession.Of(http).UserId,
                new NewDevice(request.Name, request.IdentityKey, request.SignedPrekey, request.OneTimePrekeys), ct);
            return TypedResults.Created($"/api/v1/devices/{device.Id}", device);
        });
        devices.MapGet("/", async (KeyDirectory keys, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await keys.DevicesAsync(CurrentSession.Of(http).UserId, ct)));
        devices.MapDelete("/{id:guid}", async Task<NoContent> (Guid id, KeyDirectory keys, HttpContext http, CancellationToken ct) =>
        {
            await keys.RemoveDeviceAsync(CurrentSession.Of(http).UserId, id, ct);
            return TypedResults.NoContent();
        });
        devices.MapPut("/{id:guid}/signed-prekey", async (Guid id, SignedPrekey? request, KeyDirectory keys, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await keys.RotateSignedPrekeyAsync(CurrentSession.Of(http).UserId, id, request, ct)));
        devices.MapPost("/{id:guid}/prekeys", async (Guid id, PrekeysRequest request, KeyDirectory keys, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await keys.UploadPrekeysAsync(CurrentSession.Of(http).UserId, id, request.Prekeys, ct)));

        routes.MapGet("/api/v1/users/{userId:guid}/keys", async (Guid userId, KeyDirectory keys, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await keys.ClaimBundlesAsync(CurrentSession.Of(http).UserId, userId, ct)))
            .WithTags("Keys").RequireAuthorization();
        return routes;
    }
}

public sealed record NewDeviceRequest(string? Name, byte[]? IdentityKey, SignedPrekey? SignedPrekey, List<OneTimePrekey>? OneTimePrekeys);

public sealed record PrekeysRequest(List<OneTimePrekey>? Prekeys);
