using System.Security.Cryptography;

namespace Confab.Chat.Files;

/// <summary>
/// A folder of the data directory whose files are named by the hex SHA-256 of their bytes (two directory levels
/// down), so equal content is kept once. A file is received under a temporary name and moved into place, so a
/// half-written one is never served.
/// </summary>
public sealed class ContentFiles(string dataDirectory, string folder)
{
    private const int BufferSize = 81920;

    public string Root { get; } = Path.GetFullPath(Path.Combine(dataDirectory, folder));

    /// <summary>Whether <paramref name="name"/> is a stored file's name: 64 lower-case hex digits.</summary>
    public static bool IsKey(string? name) => name is { Length: 64 } && name.All(char.IsAsciiHexDigitLower);

    public string PathFor(string key) => Path.Combine(Root, key[..2], key[2..4], key);

    /// <summary>
    /// Receives <paramref name="content"/> into a temporary file, hashing it on the way, and keeps its first
    /// <paramref name="headLength"/> bytes for sniffing. Past <paramref name="maxBytes"/> it stops with
    /// <paramref name="tooLarge"/>; an empty file is refused.
    /// </summary>
    public async Task<StagedFile> ReceiveAsync(Stream content, long maxBytes, int headLength, Func<ChatException> tooLarge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(tooLarge);
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        var staged = new StagedFile(Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N")));
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var head = new MemoryStream();
            var buffer = new byte[BufferSize];
            long size = 0;
            await using (var file = new FileStream(staged.TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, buffer.Length, useAsync: true))
            {
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw tooLarge();
                    }

                    if (head.Length < headLength)
                    {
                        head.Write(buffer, 0, (int)Math.Min(read, headLength - head.Length));
                    }

                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
            }

            if (size == 0)
            {
                throw ChatException.Invalid("file", "is empty");
            }

            staged.Received(size, Convert.ToHexStringLower(sha.GetHashAndReset()), head.ToArray());
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Moves a received file into place, or, when the same bytes are stored already, touches that file: the sweep
    /// leaves recently written files alone, so it cannot remove them before the row naming them commits.
    /// </summary>
    public void Place(StagedFile staged)
    {
        ArgumentNullException.ThrowIfNull(staged);
        var final = PathFor(staged.Key);
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        try
        {
            if (File.Exists(final))
            {
                File.SetLastWriteTimeUtc(final, DateTime.UtcNow);
                return;
            }
        }
        catch (FileNotFoundException)
        {
            // Swept between the check and the touch: store this copy instead.
        }

        File.Move(staged.TempPath, final, overwrite: true);
    }

    /// <summary>
    /// Called inside the transaction that names the file: the sweep may have taken an old copy of these bytes since
    /// <see cref="Place"/>; put this one back.
    /// </summary>
    public void EnsurePlaced(StagedFile staged)
    {
        ArgumentNullException.ThrowIfNull(staged);
        var final = PathFor(staged.Key);
        if (!File.Exists(final) && File.Exists(staged.TempPath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(staged.TempPath, final, overwrite: true);
        }
    }

    /// <summary>A stored file to read, or null when there is none under that key.</summary>
    public FileStream? Open(string key)
    {
        try
        {
            return new FileStream(PathFor(key), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes the stored files last written before <paramref name="cutoff"/> that <paramref name="referenced"/> (given
    /// a batch of keys, the ones still named) does not keep. Each file is looked at again just before it goes: a
    /// concurrent upload of the same bytes touches it first.
    /// </summary>
    public async Task<(long Files, long Bytes)> SweepAsync(
        DateTime cutoff, Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlySet<string>>> referenced, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        long files = 0, bytes = 0;
        foreach (var batch in StoredFiles(cutoff).Chunk(batchSize))
        {
            var kept = await referenced(batch.Select(f => f.Name).ToList(), cancellationToken);
            foreach (var file in batch.Where(f => !kept.Contains(f.Name)))
            {
                file.Refresh();
                if (file.Exists && file.LastWriteTimeUtc < cutoff)
                {
                    bytes += file.Length;
                    file.Delete();
                    files++;
                }
            }
        }

        return (files, bytes);
    }

    private IEnumerable<FileInfo> StoredFiles(DateTime cutoff)
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var first in Directory.EnumerateDirectories(Root).Where(d => Path.GetFileName(d).Length == 2))
        {
            foreach (var second in Directory.EnumerateDirectories(first))
            {
                foreach (var path in Directory.EnumerateFiles(second))
                {
                    var file = new FileInfo(path);
                    if (IsKey(file.Name) && file.LastWriteTimeUtc < cutoff)
                    {
                        yield return file;
                    }
                }
            }
        }
    }
}

/// <summary>A received file under its temporary name; disposing removes what was not moved into place.</summary>
public sealed class StagedFile : IDisposable
{
    internal StagedFile(string tempPath) => TempPath = tempPath;

    internal string TempPath { get; }

    public long Size { get; private set; }

    /// <summary>The hex SHA-256 of the bytes: the name the file is stored under.</summary>
    public string Key { get; private set; } = string.Empty;

    /// <summary>The leading bytes, as many as were asked for.</summary>
    public byte[] Head { get; private set; } = [];

    internal void Received(long size, string key, byte[] head) => (Size, Key, Head) = (size, key, head);

    public void Dispose() => File.Delete(TempPath);
}
