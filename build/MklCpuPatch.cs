// Makes the oneMKL inside libtorch_cpu.so take its AVX2/AVX-512 kernels on AMD processors.
//
// Why: MKL asks mkl_serv_intel_cpu_true() whether the CPU is "GenuineIntel" and, when it is not, runs its generic
// code path whatever the CPU's features. libtorch links MKL statically and exports that function; its first bytes are
// replaced by `mov eax, 1; ret`, so MKL then dispatches on the CPU's features alone, as it does on Intel. Compiled
// twice: as an MSBuild inline task (build/TorchSharpNative.targets) and, with ELF_PATCH_NO_MSBUILD, into the tests.
#nullable enable
using System;
using System.IO;
using System.Linq;
using System.Text;
#if !ELF_PATCH_NO_MSBUILD
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

namespace TransformerSharp.Build
{
    public enum MklCpuState { Original, Patched, UnknownCode, NoSymbol }

    public static class MklCpuPatch
    {
        public const string Symbol = "mkl_serv_intel_cpu_true";
        /// <summary>mov eax, 1; ret</summary>
        static readonly byte[] ReturnOne = { 0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3 };
        /// <summary>mov eax, "Genu": the vendor check the original code makes within its first bytes.</summary>
        static readonly byte[] VendorCheck = { 0xB8, 0x47, 0x65, 0x6E, 0x75 };
        const int Window = 128;

        /// <summary>Whether the library's MKL vendor check is the original, already patched, or something else.</summary>
        public static MklCpuState State(string path)
        {
            long offset = FunctionOffset(path, Symbol);
            if (offset < 0) return MklCpuState.NoSymbol;
            return Classify(ReadAt(path, offset, Window));
        }

        static MklCpuState Classify(byte[] code)
        {
            if (code.Take(ReturnOne.Length).SequenceEqual(ReturnOne)) return MklCpuState.Patched;
            return IndexOf(code, VendorCheck) >= 0 ? MklCpuState.Original : MklCpuState.UnknownCode;
        }

        /// <summary>
        /// Makes <paramref name="target"/> a patched library: a hard link to <paramref name="cache"/> (created from
        /// <paramref name="target"/> when missing), else a copy. Write-then-rename throughout, so the NuGet cache a
        /// target may be linked to is never written through; the original's timestamp is kept so that incremental
        /// copies stay skipped. Returns the state the target had before.
        /// </summary>
        public static MklCpuState PatchVia(string target, string cache)
        {
            MklCpuState before = State(target);
            if (before != MklCpuState.Original) return before;
            if (!File.Exists(cache) || State(cache) != MklCpuState.Patched)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
                string temp = cache + ".tmp";
                File.Copy(target, temp, overwrite: true);
                PatchInPlace(temp);
                File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(target));
                MoveOver(temp, cache);
            }
            string staged = target + ".mkl-tmp";
            if (File.Exists(staged)) File.Delete(staged);
            if (!HardLinks.TryCreate(staged, cache)) File.Copy(cache, staged);
            MoveOver(staged, target);
            return before;
        }

        /// <summary>rename(2): replaces the destination's directory entry, never writes through it.</summary>
        static void MoveOver(string source, string destination)
        {
            if (File.Exists(destination)) File.Replace(source, destination, null);
            else File.Move(source, destination);
        }

        /// <summary>Writes the six bytes into this file itself (a private copy: never a link into the NuGet cache).</summary>
        public static void PatchInPlace(string path)
        {
            long offset = FunctionOffset(path, Symbol);
            if (offset < 0) throw new InvalidDataException($"{path}: no {Symbol} in its dynamic symbols");
            MklCpuState state = Classify(ReadAt(path, offset, Window));
            if (state == MklCpuState.Patched) return;
            if (state != MklCpuState.Original) throw new InvalidDataException($"{path}: {Symbol} is not the code this patch knows");
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            file.Position = offset;
            file.Write(ReturnOne, 0, ReturnOne.Length);
        }

        /// <summary>File offset of a defined dynamic symbol's code, or -1 when the library does not define it.</summary>
        public static long FunctionOffset(string path, string symbol)
        {
            using var file = File.OpenRead(path);
            byte[] header = ReadAt(file, 0, 64);
            if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
                throw new InvalidDataException($"{path}: not an ELF file");
            if (header[4] != 2 || header[5] != 1)
                throw new InvalidDataException($"{path}: only 64-bit little-endian ELF is supported");
            long phoff = BitConverter.ToInt64(header, 0x20), shoff = BitConverter.ToInt64(header, 0x28);
            int phentsize = BitConverter.ToUInt16(header, 0x36), phnum = BitConverter.ToUInt16(header, 0x38);
            int shentsize = BitConverter.ToUInt16(header, 0x3A), shnum = BitConverter.ToUInt16(header, 0x3C);
            byte[] sections = ReadAt(file, shoff, shentsize * shnum);
            for (int i = 0; i < shnum; i++)
            {
                int sh = i * shentsize;
                if (BitConverter.ToUInt32(sections, sh + 4) != 11) continue;                   // SHT_DYNSYM
                byte[] symbols = ReadAt(file, BitConverter.ToInt64(sections, sh + 0x18), checked((int)BitConverter.ToInt64(sections, sh + 0x20)));
                int link = (int)BitConverter.ToUInt32(sections, sh + 0x28) * shentsize;
                byte[] names = ReadAt(file, BitConverter.ToInt64(sections, link + 0x18), checked((int)BitConverter.ToInt64(sections, link + 0x20)));
                byte[] wanted = Encoding.ASCII.GetBytes(symbol + "\0");
                for (int s = 0; s + 24 <= symbols.Length; s += 24)
                {
                    int name = (int)BitConverter.ToUInt32(symbols, s);
                    ushort shndx = BitConverter.ToUInt16(symbols, s + 6);
                    if (shndx == 0 || name + wanted.Length > names.Length) continue;      // undefined here
                    if (!SameAt(names, name, wanted)) continue;
                    return FileOffset(ReadAt(file, phoff, phentsize * phnum), phentsize, phnum, BitConverter.ToInt64(symbols, s + 8), path);
                }
            }
            return -1;
        }

        static long FileOffset(byte[] programHeaders, int phentsize, int phnum, long address, string path)
        {
            for (int i = 0; i < phnum; i++)
            {
                int ph = i * phentsize;
                if (BitConverter.ToUInt32(programHeaders, ph) != 1) continue;                  // PT_LOAD
                long offset = BitConverter.ToInt64(programHeaders, ph + 0x08), vaddr = BitConverter.ToInt64(programHeaders, ph + 0x10);
                long filesz = BitConverter.ToInt64(programHeaders, ph + 0x20);
                if (address >= vaddr && address < vaddr + filesz) return offset + (address - vaddr);
            }
            throw new InvalidDataException($"{path}: address 0x{address:x} is in no loaded segment");
        }

        static byte[] ReadAt(string path, long offset, int count)
        {
            using var file = File.OpenRead(path);
            return ReadAt(file, offset, count);
        }

        static byte[] ReadAt(FileStream file, long offset, int count)
        {
            var buffer = new byte[count];
            file.Position = offset;
            int read = 0;
            while (read < count)
            {
                int n = file.Read(buffer, read, count - read);
                if (n == 0) throw new InvalidDataException($"{file.Name}: truncated at byte {offset + read}");
                read += n;
            }
            return buffer;
        }

        static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
                if (SameAt(haystack, i, needle)) return i;
            return -1;
        }

        static bool SameAt(byte[] bytes, int start, byte[] wanted)
        {
            for (int i = 0; i < wanted.Length; i++)
                if (bytes[start + i] != wanted[i]) return false;
            return true;
        }

        /// <summary>Whether this machine's processor is AMD's (the only vendor MKL sends down its generic path that this patch changes).</summary>
        public static bool HostIsAmd()
        {
            try { return File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("vendor_id") && l.Contains("AuthenticAMD")); }
            catch (IOException) { return false; }
        }
    }

    static class HardLinks
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
        static extern int Link(string existing, string created);

        public static bool TryCreate(string created, string existing)
        {
            try { return Link(existing, created) == 0; }
            catch (Exception) { return false; }
        }
    }

#if !ELF_PATCH_NO_MSBUILD
    /// <summary>MSBuild task: on an AMD host, points each given libtorch_cpu.so at one patched copy in CacheDirectory.</summary>
    public class UseMklIntelPath : Task
    {
        [Required] public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();
        [Required] public string CacheDirectory { get; set; } = "";

        public override bool Execute()
        {
            if (!MklCpuPatch.HostIsAmd())
            {
                Log.LogMessage(MessageImportance.Low, "MKL CPU fix: not an AMD processor; MKL already takes its fast path. Nothing done.");
                return true;
            }
            foreach (ITaskItem item in Libraries)
            {
                string path = item.ItemSpec;
                if (!File.Exists(path)) continue;
                var info = new FileInfo(path);
                string cache = Path.Combine(CacheDirectory, $"libtorch_cpu.{info.Length}.{info.LastWriteTimeUtc.Ticks}.so");
                MklCpuState before = MklCpuPatch.PatchVia(path, cache);
                if (before == MklCpuState.Original)
                    Log.LogMessage(MessageImportance.High, $"MKL CPU fix: {path}: {MklCpuPatch.Symbol} returns 1 (MKL uses its AVX2/AVX-512 kernels on this AMD CPU); linked to {cache}. Opt out: -p:TorchSharpMklFix=false.");
                else if (before == MklCpuState.Patched)
                    Log.LogMessage(MessageImportance.Low, $"MKL CPU fix: {path}: already patched.");
                else
                    Log.LogWarning($"MKL CPU fix: {path}: {before}; left unchanged (a libtorch this fix does not know).");
            }
            return true;
        }
    }
#endif
}
