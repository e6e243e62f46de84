using System.Diagnostics;
using TransformerSharp.Checkpoints;
using TransformerSharp.Tests.Cli;
using Xunit;

namespace TransformerSharp.Tests.Checkpoints;

public class RunFolderTests
{
    static string LockOf(string folder) => Path.Combine(folder, RunFolder.LockName);

    [Fact]
    public void ASecondRunIntoTheFolderStopsNamingTheFirst()
    {
        string folder = TestSupport.TempFolder();
        using (RunFolder.Acquire(folder))
        {
            var error = Assert.Throws<UserError>(() => RunFolder.Acquire(folder));
            Assert.Contains($"in use by another run (process {Environment.ProcessId}", error.Message);
            Assert.StartsWith(Environment.ProcessId + " ", File.ReadAllText(LockOf(folder)));
        }
        Assert.False(File.Exists(LockOf(folder)));
        using (RunFolder.Acquire(folder)) { }         // free again once released
    }

    [Fact]
    public void ALockOfADeadProcessIsTakenOverAndItsTemporaryFilesRemoved()
    {
        string folder = TestSupport.TempFolder();
        using var finished = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        finished.WaitForExit();
        File.WriteAllText(LockOf(folder), $"{finished.Id} 2026-01-01T00:00:00.0000000Z host\n");
        File.WriteAllText(Path.Combine(folder, "last.ckpt.tmp"), "half a checkpoint");
        File.WriteAllText(Path.Combine(folder, "best.ckpt"), "kept");
        var notes = new List<string>();
        using (RunFolder.Acquire(folder, notes.Add))
        {
            Assert.Contains(notes, n => n.Contains($"took over the lock of process {finished.Id}"));
            Assert.Contains(notes, n => n.Contains("last.ckpt.tmp"));
            Assert.False(File.Exists(Path.Combine(folder, "last.ckpt.tmp")));
            Assert.True(File.Exists(Path.Combine(folder, "best.ckpt")));
        }
    }

    [Fact]
    public void AKilledButUnreapedOwnerCountsAsDead()
    {
        // sh starts a child that exits 0.3 s later, then becomes `sleep`, which never reaps it: a zombie for 5 s. (A child
        // that exits at once can be reaped by sh itself before its exec, and is then gone, not a zombie.)
        using var parent = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 0.3 & echo $!; exec sleep 5"]) { RedirectStandardOutput = true })!;
        int zombie = int.Parse(parent.StandardOutput.ReadLine()!);
        for (int i = 0; i < 150 && !File.ReadAllText($"/proc/{zombie}/stat").Contains(") Z "); i++) Thread.Sleep(20);
        Assert.Contains(") Z ", File.ReadAllText($"/proc/{zombie}/stat"));
        string folder = TestSupport.TempFolder();
        File.WriteAllText(LockOf(folder), $"{zombie}\n");         // no start time: only liveness decides
        var notes = new List<string>();
        using (RunFolder.Acquire(folder, notes.Add)) Assert.Contains(notes, n => n.Contains($"took over the lock of process {zombie}"));
        parent.Kill();
    }

    [Fact]
    public void ARecycledProcessIdIsNotMistakenForTheOwner()
    {
        // Our own id with another start time: the process that wrote the lock is gone and its id was reused.
        string folder = TestSupport.TempFolder();
        File.WriteAllText(LockOf(folder), $"{Environment.ProcessId} 2001-01-01T00:00:00.0000000Z host\n");
        var notes = new List<string>();
        using (RunFolder.Acquire(folder, notes.Add)) Assert.Contains(notes, n => n.Contains("no longer running"));
    }

    [Fact]
    public void TheCliRefusesATrainingRunIntoAFolderInUse()
    {
        string folder = TestSupport.TempFolder(), data = Path.Combine(TestSupport.TempFolder(), "text.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 40)));
        using (RunFolder.Acquire(folder))
        {
            var (code, _, error) = CliRunner.Run("gpt", "train", "--data", data, "--out", folder, "--layers", "1", "--heads", "1", "--width", "8",
                                                 "--context", "8", "--batch-size", "2", "--iterations", "2");
            Assert.Equal(1, code);
            Assert.Contains($"in use by another run (process {Environment.ProcessId}", error);
            Assert.False(File.Exists(Path.Combine(folder, "last.ckpt")));
        }
    }
}
