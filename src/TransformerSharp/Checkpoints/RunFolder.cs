using System.Diagnostics;
using System.Globalization;

namespace TransformerSharp.Checkpoints;

/// <summary>
/// A training run's hold on its output folder: a lock file naming the process, so that a second run into the same
/// folder stops at once instead of overwriting the first one's checkpoints. A lock left by a process that has died is
/// taken over; the temporary files such a process may have left half-written are removed.
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string LockName = "run.lock";
    readonly string lockPath;
    FileStream? lockFile;

    RunFolder(string lockPath, FileStream lockFile) => (this.lockPath, this.lockFile) = (lockPath, lockFile);

    /// <param name="note">told about a stale lock taken over and temporary files removed.</param>
    public static RunFolder Acquire(string folder, Action<string>? note = null)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, LockName);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 4096, FileOptions.DeleteOnClose);
                using (var writer = new StreamWriter(file, leaveOpen: true)) writer.Write(Describe(Process.GetCurrentProcess()));
                file.Flush(flushToDisk: true);
                RemoveLeftovers(folder, note);
                return new RunFolder(path, file);
            }
            catch (IOException) when (File.Exists(path) && attempt < 3)
            {
                var (pid, started) = ReadOwner(path);
                if (pid == 0 && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < TimeSpan.FromSeconds(10))
                    throw new UserError($"{folder} is being taken by another run that is starting: wait for it, or choose another --out");
                if (IsAlive(pid, started))
                    throw new UserError($"{folder} is in use by another run (process {pid}, started {started:u}): wait for it to finish, stop it, or choose another --out");
                note?.Invoke($"{folder}: took over the lock of process {pid}, which is no longer running");
                File.Delete(path);
            }
        }
    }

    public void Dispose()
    {
        lockFile?.Dispose();          // DeleteOnClose removes the lock
        lockFile = null;
        if (File.Exists(lockPath)) try { File.Delete(lockPath); } catch (IOException) { }
    }

    static string Describe(Process process) =>
        $"{process.Id} {process.StartTime.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture)} {Environment.MachineName}\n";

    static (int pid, DateTime started) ReadOwner(string path)
    {
        string[] parts;
        try { parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries); }
        catch (IOException) { return (0, default); }
        int pid = parts.Length > 0 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int p) ? p : 0;
        var started = parts.Length > 1 && DateTime.TryParse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var s) ? s : default;
        return (pid, started);
    }

    /// <summary>The process still runs and is the same one (a recycled id has another start time).</summary>
    static bool IsAlive(int pid, DateTime started)
    {
        if (pid <= 0 || IsZombie(pid)) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited) return false;
            return started == default || Math.Abs((process.StartTime.ToUniversalTime() - started).TotalSeconds) < 1;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>
    /// Killed but not yet reaped (Linux state Z): it holds no files and will never write again. A run killed with its
    /// parent shell stays so where nothing reaps orphans (as PID 1 in many containers).
    /// </summary>
    static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int end = stat.LastIndexOf(')');          // the command name in parentheses may itself hold spaces
            return end > 0 && end + 2 < stat.Length && stat[end + 2] is 'Z' or 'X';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    static void RemoveLeftovers(string folder, Action<string>? note)
    {
        foreach (string temp in Directory.EnumerateFiles(folder, "*" + Checkpoint.TempSuffix))
        {
            File.Delete(temp);
            note?.Invoke($"removed {temp}, left half-written by an interrupted run");
        }
    }
}
