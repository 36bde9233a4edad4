using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

// Latency of the API's hot reads over HTTP on loopback, many requests at once.
//   dotnet run -- BASE_URL BUSY_USER PASSWORD LIST_USER PASSWORD [REQUESTS] [CONCURRENCY]
// BUSY_USER belongs to the busiest conversations (history and search); LIST_USER has many conversations.
var baseUrl = new Uri(args[0]);
var (busyUser, busyPassword, listUser, listPassword) = (args[1], args[2], args[3], args[4]);
var requests = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 2000;
var concurrency = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 16;

using var busy = await LoginAsync(baseUrl, busyUser, busyPassword);
using var lister = await LoginAsync(baseUrl, listUser, listPassword);
var conversations = (await busy.GetFromJsonAsync<JsonElement>("/api/v1/conversations?limit=200")).GetProperty("items").EnumerateArray()
    .Select(c => (Id: c.GetProperty("id").GetString()!, LastSeq: c.GetProperty("lastSeq").GetInt64())).Where(c => c.LastSeq > 200).OrderByDescending(c => c.LastSeq).Take(20).ToList();
var listed = (await lister.GetFromJsonAsync<JsonElement>("/api/v1/conversations?limit=200")).GetProperty("items").GetArrayLength();
Console.WriteLine($"busy user: {conversations.Count} busiest conversations, up to seq {conversations[0].LastSeq}; list user: {listed}+ conversations");

var random = new Random(7);
await MeasureAsync("history page (50 messages, random position)", busy, () =>
{
    var (id, lastSeq) = conversations[random.Next(conversations.Count)];
    return $"/api/v1/conversations/{id}/messages?limit=50&before={random.NextInt64(100, lastSeq + 2)}";
});
await MeasureAsync("conversation list (first page of 50)", lister, () => "/api/v1/conversations?limit=50");
string[] terms = ["deployment", "coffee", "湖边", "晴れる", "🎉", "review pull"];
await MeasureAsync("search (my conversations, 20 hits)", busy, () => $"/api/v1/search?limit=20&q={Uri.EscapeDataString(terms[random.Next(terms.Length)])}");

async Task MeasureAsync(string name, HttpClient client, Func<string> next)
{
    for (var i = 0; i < 50; i++)
    {
        (await client.GetAsync(next())).EnsureSuccessStatusCode();
    }

    var latencies = new double[requests];
    var issued = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref issued)) < requests)
        {
            string url;
            lock (random)
            {
                url = next();
            }

            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(url);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    }));
    Array.Sort(latencies);
    double P(double q) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name}: {requests} requests, {concurrency} at a time, {requests / clock.Elapsed.TotalSeconds:0} req/s; p50 {P(0.50):0.0} ms, p95 {P(0.95):0.0} ms, p99 {P(0.99):0.0} ms"));
}

static async Task<HttpClient> LoginAsync(Uri baseUrl, string login, string password)
{
    var client = new HttpClient { BaseAddress = baseUrl };
    var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { login, password });
    response.EnsureSuccessStatusCode();
    var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return client;
}
