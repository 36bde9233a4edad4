using System.Text;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>
/// A multipart/form-data upload written byte by byte, so a field, a file name or a part's content type can hold what
/// HttpClient's own form classes would refuse to send (NUL, CR LF, invalid UTF-8).
/// </summary>
internal sealed class Multipart
{
    private const string Boundary = "fuzzboundary";
    private readonly List<(byte[] Name, byte[]? FileName, byte[]? ContentType, byte[] Content)> parts = [];

    public string ContentType { get; private set; } = $"multipart/form-data; boundary={Boundary}";

    public static Multipart Valid(FuzzWorld world)
    {
        var form = new Multipart();
        form.parts.Add(("conversationId"u8.ToArray(), null, null, Encoding.UTF8.GetBytes(world.Group)));
        form.parts.Add(("file"u8.ToArray(), "photo.png"u8.ToArray(), "image/png"u8.ToArray(), FuzzWorld.Png()));
        return form;
    }

    public string Mutate(FuzzWorld world, Random random)
    {
        var hostile = HostileValues.Text(random, world);
        var shown = FuzzReport.Show(hostile, 60);
        var file = parts[1];
        switch (random.Next(12))
        {
            case 0:
                parts[0] = (parts[0].Name, null, null, hostile);
                return $"form conversationId := {shown}";
            case 1:
                parts[1] = (file.Name, hostile, file.ContentType, file.Content);
                return $"form file name := {shown}";
            case 2:
                parts[1] = (file.Name, file.FileName, hostile, file.Content);
                return $"form file content type := {shown}";
            case 3:
                parts.RemoveAt(0);
                return "form conversationId missing";
            case 4:
                parts.RemoveAt(1);
                return "form file missing";
            case 5:
                parts.Insert(0, (parts[0].Name, null, null, Encoding.UTF8.GetBytes(world.ScratchGroup)));
                return "form conversationId twice";
            case 6:
                parts[1] = (file.Name, file.FileName, file.ContentType, []);
                return "form file empty";
            case 7:
                var garbage = new byte[random.Next(1, 5000)];
                random.NextBytes(garbage);
                parts[1] = (file.Name, file.FileName, file.ContentType, garbage);
                return "form file random bytes";
            case 8:
                parts[1] = (file.Name, "notes.txt"u8.ToArray(), "text/plain"u8.ToArray(), [.. "text with \0 NUL and "u8.ToArray(), 0xED, 0xA0, 0x80]);
                return "form file text with NUL and invalid UTF-8";
            case 9:
                ContentType = "multipart/form-data";
                return "multipart without a boundary";
            case 10:
                ContentType = "multipart/form-data; boundary=other";
                return "multipart with the wrong boundary";
            default:
                parts[1] = (file.Name, file.FileName, file.ContentType, [.. FuzzWorld.Png(), .. new byte[random.Next(2) == 0 ? 10 * 1024 * 1024 : 100_000]]);
                return "form file just past 10 MiB or 100 KB";
        }
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        foreach (var (name, fileName, contentType, content) in parts)
        {
            Put(stream, $"--{Boundary}\r\nContent-Disposition: form-data; name=\"");
            stream.Write(name);
            Put(stream, "\"");
            if (fileName is not null)
            {
                Put(stream, "; filename=\"");
                stream.Write(fileName);
                Put(stream, "\"");
            }

            Put(stream, "\r\n");
            if (contentType is not null)
            {
                Put(stream, "Content-Type: ");
                stream.Write(contentType);
                Put(stream, "\r\n");
            }

            Put(stream, "\r\n");
            stream.Write(content);
            Put(stream, "\r\n");
        }

        Put(stream, $"--{Boundary}--\r\n");
        return stream.ToArray();
    }

    private static void Put(Stream stream, string text) => stream.Write(Encoding.ASCII.GetBytes(text));
}
