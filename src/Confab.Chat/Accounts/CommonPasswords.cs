namespace Confab.Chat.Accounts;

/// <summary>
/// Passwords that appear at the top of published breach frequency lists, and their obvious variants.
/// A password equal to one of these (ignoring case), or made of one character repeated, is refused.
/// </summary>
internal static class CommonPasswords
{
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        "1234567890", "12345678910", "0123456789", "0987654321", "1111111111", "1234512345", "1q2w3e4r5t", "1qaz2wsx3edc",
        "qwertyuiop", "qwerty1234", "qwerty12345", "qwerty123456", "password12", "password123", "password1234", "passw0rd123",
        "password!!", "password01", "iloveyou12", "iloveyou123", "abcdefghij", "abc1234567", "abcd123456", "asdfghjkl1",
        "asdfghjkl;", "zxcvbnm123", "1234qwerty", "letmein123", "welcome123", "welcome1234", "sunshine12", "princess12",
        "football12", "football123", "baseball12", "monkey1234", "dragon1234", "master1234", "superman12", "trustno1trustno1",
        "changeme123", "administrator", "admin12345", "admin123456", "qazwsxedc123", "987654321a", "a123456789", "aa12345678",
        "1q2w3e4r5t6y", "q1w2e3r4t5", "zaq12wsxcde3", "starwars12", "pokemon123", "liverpool1", "chocolate1", "computer12",
        "michael123", "jennifer12", "whatever12", "123456789a", "123456789q", "12345678q", "secret1234", "p@ssw0rd12",
        "p@ssword123", "confab1234", "confabchat", "chatpassword",
    };

    public static bool Contains(string password) =>
        Known.Contains(password) || password.Distinct().Count() == 1;
}
