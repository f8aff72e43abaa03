// What a loader's error message says about why a module did not load. The words differ per OS:
// glibc "wrong ELF class: ELFCLASS32", Windows "error 193" / "%1 is not a valid Win32 application",
// macOS dyld "incompatible architecture (have 'x86_64', need 'arm64')".

export type LoadFailureKind = 'not-found' | 'wrong-arch' | 'load-failed';

const WRONG_ARCH = [
  /wrong ELF class/i,
  /ELFCLASS(32|64)/,
  /wrong machine/i,
  /not a valid Win32 application/i,
  /\berror 193\b/i,
  /\b193\b.*(LoadLibrary|dlopen)|(LoadLibrary|dlopen).*\b193\b/i,
  /ERROR_BAD_EXE_FORMAT/i,
  /incompatible architecture/i,
  /mach-o,? but wrong architecture/i,
  /have '[^']+', need '[^']+'/i,
];

export function classifyLoadError(message: string, fileExists: boolean): LoadFailureKind {
  if (WRONG_ARCH.some((re) => re.test(message))) return 'wrong-arch';
  // glibc reports "No such file or directory" both for a missing file and for a dependency that is missing;
  // only the first is "not found".
  if (!fileExists && /no such file|cannot find|not found|ENOENT|error 126/i.test(message)) return 'not-found';
  return 'load-failed';
}

/** Loader messages embed the path; keep them short and single-line for the diagnosis screen. */
export function tidyLoaderMessage(message: string, modulePath: string): string {
  let m = message.split('\n')[0] ?? '';
  if (m.startsWith(`${modulePath}: `)) m = m.slice(modulePath.length + 2);
  return m.trim().slice(0, 300);
}
