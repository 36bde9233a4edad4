using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Confab.Server.WebClient;

/// <summary>
/// The client's text files compressed once, at the strongest Brotli and gzip levels, and kept in memory. They are
/// embedded and never change while the process runs, so compressing each response again would spend CPU on every
/// page load for bytes worse than these.
/// </summary>
public sealed class CompressedAssets
{
    private static readonly HashSet<string> Compressible = new(StringComparer.OrdinalIgnoreCase) { ".js", ".css", ".html", ".svg", ".json", ".txt", ".webmanifest", ".map" };

    private readonly IFileProvider files;
    private readonly FileExtensionContentTypeProvider types = new();
    // One entry per file that exists, made up front: a request for any other path never adds to it.
    private readonly Dictionary<string, Lazy<Variants?>> cache;

    public CompressedAssets(IFileProvider files)
    {
        this.files = files;
        cache = Walk("/").Where(path => Compressible.Contains(Path.GetExtension(path)))
            .ToDictionary(path => path, path => new Lazy<Variants?>(() => Compress(path), LazyThreadSafetyMode.ExecutionAndPublication), StringComparer.Ordinal);
        // Compress off the request path, so the first visitor does not wait for the strongest levels.
        _ = Task.Run(() =>
        {
            foreach (var entry in cache.Values)
            {
                _ = entry.Value;
            }
        });
    }

    /// <summary>The compressed forms of a file, or null when it is missing or not worth compressing.</summary>
    public Variants? Get(string path) => cache.TryGetValue(path, out var entry) ? entry.Value : null;

    /// <summary>The encoding to send: Brotli over gzip when both are accepted, none when neither is.</summary>
    public static string? Choose(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? chosen = null;
        foreach (var value in request.Headers.AcceptEncoding)
        {
            foreach (var part in (value ?? string.Empty).Split(','))
            {
                if (!StringWithQualityHeaderValue.TryParse(part.Trim(), out var entry) || entry.Quality is 0)
                {
                    continue;
                }

                if (entry.Value.Equals("br", StringComparison.OrdinalIgnoreCase))
                {
                    return "br";
                }

                if (entry.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase))
                {
                    chosen = "gzip";
                }
            }
        }

        return chosen;
    }

    private Variants? Compress(string path)
    {
        var file = files.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory)
        {
            return null;
        }

        try
        {
            byte[] raw;
            using (var source = file.CreateReadStream())
            using (var copy = new MemoryStream())
            {
                source.CopyTo(copy);
                raw = copy.ToArray();
            }

            var brotli = Encode(raw, stream => new BrotliStream(stream, CompressionLevel.SmallestSize, leaveOpen: true));
            var gzip = Encode(raw, stream => new GZipStream(stream, CompressionLevel.SmallestSize, leaveOpen: true));
            var type = types.TryGetContentType(path, out var known) ? known : "application/octet-stream";
            var tag = Convert.ToHexStringLower(SHA256.HashData(raw))[..20];
            return new Variants(type, brotli, gzip, raw.Length, tag);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException)
        {
            // The file is then served as stored, uncompressed; the client still works.
            return null;
        }
    }

    private static byte[] Encode(byte[] raw, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream();
        using (var encoder = wrap(output))
        {
            encoder.Write(raw);
        }

        return output.ToArray();
    }

    private IEnumerable<string> Walk(string folder)
    {
        foreach (var entry in files.GetDirectoryContents(folder))
        {
            var path = folder.TrimEnd('/') + "/" + entry.Name;
            if (entry.IsDirectory)
            {
                foreach (var inner in Walk(path))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    /// <summary>One file's content type and its bytes in each encoding.</summary>
    public sealed record Variants(string ContentType, byte[] Brotli, byte[] Gzip, long RawLength, string Tag)
    {
        public byte[] For(string encoding) => encoding == "br" ? Brotli : Gzip;

        /// <summary>A strong validator of one encoding's bytes: the content's hash and the encoding.</summary>
        public string ETagFor(string encoding) => $"\"{Tag}-{encoding}\"";
    }
}
