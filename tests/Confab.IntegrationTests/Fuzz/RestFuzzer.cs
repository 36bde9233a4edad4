using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>
/// Sends a lane's share of hostile requests, one at a time, and judges each answer: a 5xx (other than the documented
/// 503 <c>unavailable</c>) or a dropped connection is a failure. Inputs that may have destroyed the lane's world are
/// followed by a repair, so the next inputs still reach deep handlers.
/// </summary>
internal sealed class RestFuzzer(HttpMessageInvoker http, Uri baseAddress, FuzzReport report)
{
    public async Task RunAsync(FuzzWorld world, IReadOnlyList<FuzzRoute> routes, string lane, int seed, int count)
    {
        var random = new Random(seed);
        var weights = routes.Select(ValidRequests.Weight).ToArray();
        var total = weights.Sum();
        for (var i = 0; i < count; i++)
        {
            // Every route once before the weighted draw, so a short run still covers all of them.
            var route = i < routes.Count ? routes[(i + seed) % routes.Count] : Pick(routes, weights, total, random);
            var input = RestInputs.Make(route, world, random);
            var requestId = $"fz-{lane}-{i.ToString(CultureInfo.InvariantCulture)}";
            var succeeded = await SendAsync(input, requestId, world);
            if ((succeeded && ValidRequests.MayDamage(route)) || i % 200 == 199)
            {
                if (await world.RepairAsync() is { } repaired)
                {
                    report.Repaired(repaired);
                }
            }
        }
    }

    private static FuzzRoute Pick(IReadOnlyList<FuzzRoute> routes, double[] weights, double total, Random random)
    {
        var point = random.NextDouble() * total;
        for (var i = 0; i < routes.Count; i++)
        {
            point -= weights[i];
            if (point <= 0)
            {
                return routes[i];
            }
        }

        return routes[^1];
    }

    /// <summary>Sends one input; true when the server said 2xx.</summary>
    private async Task<bool> SendAsync(RestInput input, string requestId, FuzzWorld world)
    {
        var described = input.Describe();
        report.Sent(requestId, input.Route.Key, described);
        using var request = new HttpRequestMessage(new HttpMethod(input.Method), new Uri(baseAddress, input.PathAndQuery));
        request.Headers.TryAddWithoutValidation("X-Request-Id", requestId);
        if (input.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", input.Authorization);
        }

        if (input.Body is not null)
        {
            request.Content = new ByteArrayContent(input.Body);
            request.Content.Headers.ContentType = null;
            if (!string.IsNullOrEmpty(input.ContentType))
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", input.ContentType);
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            if (input.Oversized)
            {
                report.Record(input.Route.Key, "reset(oversized)");
                return false;
            }

            var outcome = ex is OperationCanceledException ? "no answer in 60 s" : $"connection failed ({ex.GetType().Name})";
            report.Record(input.Route.Key, outcome);
            report.Fail(input.Route.Key, outcome, described, ex.Message);
            return false;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                report.Record(input.Route.Key, $"{status}+broken body");
                report.Fail(input.Route.Key, $"{status} with a body cut off ({ex.GetType().Name})", described, ex.Message);
                return false;
            }

            var code = ProblemCode(response.Content.Headers.ContentType, body);
            report.Record(input.Route.Key, status.ToString(CultureInfo.InvariantCulture));
            if (status >= 500 && !(status == 503 && code == "unavailable"))
            {
                report.Fail(input.Route.Key, $"{status} {code ?? "(no problem code)"}", described, $"{status} {FuzzReport.Truncate(body, 600)}");
            }

            if (status is >= 200 and < 300 && input.Route.Key == "POST /api/v1/auth/refresh")
            {
                world.Rotated(JsonDocument.Parse(body).RootElement);
            }

            return status is >= 200 and < 300;
        }
    }

    private static string? ProblemCode(MediaTypeHeaderValue? contentType, string body)
    {
        if (contentType?.MediaType is not ("application/problem+json" or "application/json"))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("code", out var code) ? code.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
