namespace TransformerSharp;

/// <summary>
/// Something the user can fix: a bad option, file, value or input. The CLI prints its message as one line and exits
/// with code 1; every other exception is a bug and keeps its stack trace.
/// </summary>
public class UserError : Exception
{
    public UserError(string message) : base(message) { }
    public UserError(string message, Exception inner) : base(message, inner) { }
}
