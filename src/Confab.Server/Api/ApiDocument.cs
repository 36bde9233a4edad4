using Confab.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Confab.Server.Api;

/// <summary>
/// The OpenAPI document at /openapi/v1.json: the bearer scheme, which operations need it, and the problem
/// responses each operation can give, derived from the endpoint's own metadata so a new route is described the
/// moment it is mapped. The API reference page (Scalar, its script served from the package) is off by default.
/// </summary>
public static class ApiDocument
{
    public const string Route = "/openapi/{documentName}.json";
    public const string ReferenceRoute = "/api/reference";
    private const string ProblemSchema = "Problem";
    private const string ProblemMediaType = "application/problem+json";

    public static IServiceCollection AddConfabApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(openApi =>
        {
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                document.Components.SecuritySchemes[BearerAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An access token from POST /api/v1/auth/login, /register or /refresh, as 'Authorization: Bearer TOKEN'.",
                };
                document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
                document.Components.Schemas[ProblemSchema] = Problem();
                return Task.CompletedTask;
            });
            openApi.AddOperationTransformer((operation, context, _) =>
            {
                Describe(operation, context.Description, context.Document);
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapConfabApiDocument(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi(Route);
        if (app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.ApiReference)
        {
            app.MapScalarApiReference(ReferenceRoute, reference => reference
                .WithTitle("Confab API")
                .WithOpenApiRoutePattern(Route)
                .AddPreferredSecuritySchemes(BearerAuthenticationHandler.SchemeName));
        }

        return app;
    }

    private static void Describe(OpenApiOperation operation, ApiDescription description, OpenApiDocument? document)
    {
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var authorized = (metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<AuthorizationPolicy>().Any()) && !metadata.OfType<IAllowAnonymous>().Any();
        var admin = metadata.OfType<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Roles))
            || metadata.OfType<AuthorizationPolicy>().Any(p => p.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement>().Any());
        var parameters = description.ParameterDescriptions;
        var method = description.HttpMethod ?? HttpMethods.Get;
        var writes = !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method);

        if (authorized)
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerAuthenticationHandler.SchemeName, document)] = [] });
        }

        var problems = new List<(int Status, string Why)>();
        if (parameters.Count > 0 || writes)
        {
            problems.Add((StatusCodes.Status400BadRequest, "The request is malformed or breaks a rule; `code` says which."));
        }

        if (authorized)
        {
            problems.Add((StatusCodes.Status401Unauthorized, "No valid access token."));
        }

        if (admin)
        {
            problems.Add((StatusCodes.Status403Forbidden, "The caller lacks the role this operation needs."));
        }

        if (parameters.Any(p => p.Source == BindingSource.Path))
        {
            problems.Add((StatusCodes.Status404NotFound, "No such resource, or the caller may not know it exists."));
        }

        if (writes)
        {
            problems.Add((StatusCodes.Status409Conflict, "The change conflicts with the current state (a duplicate, a limit, a block)."));
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            problems.Add((StatusCodes.Status429TooManyRequests, "Too many requests; wait for `Retry-After` seconds."));
        }

        problems.Add((StatusCodes.Status503ServiceUnavailable, "The database is unavailable or read-only; retry after `Retry-After` seconds."));

        operation.Responses ??= [];
        foreach (var (status, why) in problems)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.ContainsKey(key))
            {
                operation.Responses[key] = new OpenApiResponse
                {
                    Description = why,
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                    {
                        [ProblemMediaType] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
                    },
                };
            }
        }
    }

    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details with Confab's stable `code`.",
        Required = new HashSet<string>(StringComparer.Ordinal) { "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable, machine-readable reason (docs/api.md lists them)." },
            ["requestId"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };
}
