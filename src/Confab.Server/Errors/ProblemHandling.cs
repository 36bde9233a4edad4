using Confab.Chat;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Confab.Server.Errors;

/// <summary>
/// Every error leaves as RFC 9457 problem details with a stable <c>code</c> (and, for validation, <c>errors</c> by
/// field): domain refusals, request bodies the framework could not read, and statuses without a body.
/// </summary>
public static class ProblemHandling
{
    public static IServiceCollection AddConfabProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions.TryAdd("code", context.Exception is BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest }
                ? ProblemCodes.InvalidRequestBody
                : ProblemCodes.ForStatus(problem.Status ?? StatusCodes.Status500InternalServerError));
            problem.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier);
            problem.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
            if (context.Exception is BadHttpRequestException bad && problem.Status is StatusCodes.Status400BadRequest)
            {
                // The framework's message names what could not be read (e.g. the JSON path), never a secret.
                problem.Detail = bad.InnerException?.Message ?? bad.Message;
            }
        });
        services.AddExceptionHandler<ChatExceptionHandler>();
        return services;
    }

    internal sealed class ChatExceptionHandler(IProblemDetailsService problems, ILogger<ChatExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is BadHttpRequestException)
            {
                return false;
            }

            ProblemDetails problem;
            if (exception is ChatException chat)
            {
                problem = chat.Errors is { Count: > 0 } errors
                    ? new HttpValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value)) { Title = chat.Message }
                    : new ProblemDetails { Title = chat.Message };
                problem.Status = ProblemCodes.Status(chat.Kind);
                problem.Extensions["code"] = chat.Code;
                if (chat.RetryAfter is { } wait)
                {
                    httpContext.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            else if (StorageFailure.Is(exception))
            {
                // Nothing about the request was wrong: the database is out of reach or busy, and a retry may succeed.
                ServerLog.StorageUnavailable(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
                problem = new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "The database is unavailable right now; try again shortly." };
                problem.Extensions["code"] = ProblemCodes.Unavailable;
                httpContext.Response.Headers.RetryAfter = StorageFailure.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                ServerLog.Unhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
                problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Something went wrong on our side." };
                problem.Extensions["code"] = ProblemCodes.Internal;
            }

            httpContext.Response.StatusCode = problem.Status!.Value;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
        }
    }
}
