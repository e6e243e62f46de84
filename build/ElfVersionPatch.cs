// Marks one symbol-version requirement of an ELF shared library as weak (VER_FLG_WEAK).
//
// Why: TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32, which the libstdc++ of Debian 12 and
// Ubuntu 22.04 lacks. The only symbol behind that version (std::ios_base_library_init) is a link-time marker that
// is never called, so a weak requirement lets the loader accept the library. Compiled twice: as an MSBuild inline
// task (build/TorchSharpNative.targets) and, with ELF_PATCH_NO_MSBUILD, into the tests.
#nullable enable
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
#if !ELF_PATCH_NO_MSBUILD
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

namespace TransformerSharp.Build
{
    public enum ElfPatchResult { Patched, AlreadyWeak, VersionNotRequired }

    public static class ElfVersionPatch
    {
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;

        /// <summary>Sets VER_FLG_WEAK on the requirement named <paramref name="version"/>; writes atomically.</summary>
        public static ElfPatchResult MarkWeak(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            int flagsOffset = FindVernauxFlags(elf, version, path);
            if (flagsOffset < 0) return ElfPatchResult.VersionNotRequired;
            ushort flags = BitConverter.ToUInt16(elf, flagsOffset);
            if ((flags & VerFlgWeak) != 0) return ElfPatchResult.AlreadyWeak;
            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, flagsOffset);

            // Temp file then rename: never a half-written library, and a hard link into the NuGet cache is broken
            // rather than written through. The old timestamp is kept so incremental copies stay skipped.
            DateTime stamp = File.GetLastWriteTimeUtc(path);
            string temp = path + ".weak-tmp";
            File.WriteAllBytes(temp, elf);
            File.SetLastWriteTimeUtc(temp, stamp);
            File.Replace(temp, path, null);
            return ElfPatchResult.Patched;
        }

        /// <summary>Whether the requirement named <paramref name="version"/> is present and weak.</summary>
        public static bool? IsWeak(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            int offset = FindVernauxFlags(elf, version, path);
            return offset < 0 ? null : (BitConverter.ToUInt16(elf, offset) & VerFlgWeak) != 0;
        }

        /// <summary>Byte offset of vna_flags for the named version in .gnu.version_r, or -1 if it is not required.</summary>
        static int FindVernauxFlags(byte[] elf, string version, string path)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{path}: not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException($"{path}: only 64-bit little-endian ELF is supported");

            long shoff = BitConverter.ToInt64(elf, 0x28);
            int shentsize = BitConverter.ToUInt16(elf, 0x3A);
            int shnum = BitConverter.ToUInt16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                int sh = checked((int)(shoff + (long)i * shentsize));
                if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
                int verneed = checked((int)BitConverter.ToInt64(elf, sh + 0x18));
                int entries = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
                int strtabHeader = checked((int)(shoff + (long)BitConverter.ToUInt32(elf, sh + 0x28) * shentsize));
                int strtab = checked((int)BitConverter.ToInt64(elf, strtabHeader + 0x18));

                int vn = verneed;
                for (int n = 0; n < entries; n++)
                {
                    int count = BitConverter.ToUInt16(elf, vn + 2);
                    int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                    for (int a = 0; a < count; a++)
                    {
                        int name = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                        if (CStringEquals(elf, name, version)) return aux + 4;
                        aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                    }
                    vn += (int)BitConverter.ToUInt32(elf, vn + 12);
                }
            }
            return -1;
        }

        static bool CStringEquals(byte[] bytes, int start, string text)
        {
            byte[] wanted = Encoding.ASCII.GetBytes(text);
            if (start + wanted.Length >= bytes.Length) return false;
            for (int i = 0; i < wanted.Length; i++)
                if (bytes[start + i] != wanted[i]) return false;
            return bytes[start + wanted.Length] == 0;
        }

        /// <summary>The path of the libstdc++.so.6 the dynamic loader would pick, or null.</summary>
        public static string? FindHostLibStdCxx()
        {
            try
            {
                var info = new ProcessStartInfo(File.Exists("/sbin/ldconfig") ? "/sbin/ldconfig" : "ldconfig", "-p")
                { RedirectStandardOutput = true, UseShellExecute = false };
                using var process = Process.Start(info)!;
                string listing = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                foreach (string line in listing.Split('\n'))
                {
                    if (!line.TrimStart().StartsWith("libstdc++.so.6 ") || !line.Contains("x86-64")) continue;
                    string candidate = line.Substring(line.IndexOf("=>", StringComparison.Ordinal) + 2).Trim();
                    if (File.Exists(candidate)) return candidate;
                }
            }
            catch (Exception) { /* no ldconfig: fall back to the usual places */ }
            foreach (string candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6" })
                if (File.Exists(candidate)) return candidate;
            return null;
        }

        /// <summary>Whether a library defines a version name (it appears NUL-terminated in its string table).</summary>
        public static bool DefinesVersion(string libraryPath, string version)
        {
            byte[] bytes = File.ReadAllBytes(libraryPath);
            byte[] wanted = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 1; i + wanted.Length <= bytes.Length; i++)
            {
                if (bytes[i - 1] != 0 || bytes[i] != wanted[0]) continue;
                int k = 1;
                while (k < wanted.Length && bytes[i + k] == wanted[k]) k++;
                if (k == wanted.Length) return true;
            }
            return false;
        }
    }

#if !ELF_PATCH_NO_MSBUILD
    /// <summary>MSBuild task: weakens the version requirement in each given library when the host lacks it.</summary>
    public class WeakenElfVersion : Task
    {
        [Required] public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();
        [Required] public string Version { get; set; } = "";

        public override bool Execute()
        {
            string? host = ElfVersionPatch.FindHostLibStdCxx();
            if (host == null)
            {
                Log.LogMessage(MessageImportance.Low, $"TorchSharp native fix: no libstdc++.so.6 found; nothing done.");
                return true;
            }
            if (ElfVersionPatch.DefinesVersion(host, Version))
            {
                Log.LogMessage(MessageImportance.Low, $"TorchSharp native fix: {host} has {Version}; nothing to do.");
                return true;
            }
            foreach (ITaskItem item in Libraries)
            {
                string path = item.ItemSpec;
                if (!File.Exists(path)) continue;
                ElfPatchResult result = ElfVersionPatch.MarkWeak(path, Version);
                MessageImportance importance = result == ElfPatchResult.Patched ? MessageImportance.High : MessageImportance.Low;
                Log.LogMessage(importance, $"TorchSharp native fix: {path}: {result} ({Version} weak; {host} lacks it).");
            }
            return true;
        }
    }
#endif
}
