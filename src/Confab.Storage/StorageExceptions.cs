namespace Confab.Storage;

/// <summary>Base of the errors the storage layer reports to its callers in words a user can act on.</summary>
public abstract class ConfabStorageException : Exception
{
    protected ConfabStorageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The database URL or another argument is malformed (a usage error).</summary>
public sealed class DatabaseUrlException(string message) : ConfabStorageException(message);

/// <summary>An argument names something that does not exist or is out of range (a usage error).</summary>
public sealed class StorageArgumentException(string message) : ConfabStorageException(message);

/// <summary>The database cannot be reached or opened: host, credentials, file or database missing.</summary>
public sealed class DatabaseUnavailableException(string message, Exception? inner = null)
    : ConfabStorageException(message, inner);

/// <summary>An operation ran and found a problem it refuses to paper over (drift, foreign database, failed migration).</summary>
public sealed class StorageOperationException(string message, Exception? inner = null)
    : ConfabStorageException(message, inner);
