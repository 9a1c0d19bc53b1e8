/** Expand what the user named (files, directories, globs, `-`) into a sorted list of sources. */

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, errorMessage } from '../errors.js';

export interface InputSource {
  /** The name shown in reports and origins: the path as named, or `-` for stdin. */
  name: string;
  /** File system path; absent for stdin. */
  path?: string;
  /** True when the user named this file itself (errors on it set exit code 2); false when found in a directory. */
  explicit: boolean;
}

export interface ExpandedInputs {
  sources: InputSource[];
  /** Named inputs that could not be expanded (missing path, glob without match). */
  errors: InputError[];
}

const GLOB_CHARS = /[*?[\]{}]/;

/** fast-glob, loaded for the first pattern or folder (most runs name files: their start-up does not load it). */
async function glob(): Promise<typeof import('fast-glob')> {
  return (await import('fast-glob')).default;
}

export async function expandInputs(names: readonly string[]): Promise<ExpandedInputs> {
  const sources: InputSource[] = [];
  const errors: InputError[] = [];
  for (const name of names) {
    if (name === '-') {
      sources.push({ name: '-', explicit: true });
      continue;
    }
    let info;
    try {
      info = await stat(name);
    } catch (err) {
      if (GLOB_CHARS.test(name)) {
        const found = await (await glob())(name, { onlyFiles: true, followSymbolicLinks: false, suppressErrors: true });
        if (found.length === 0) errors.push(new InputError(name, 'no file matches this pattern'));
        for (const f of found.sort()) sources.push({ name: f, path: f, explicit: false });
        continue;
      }
      errors.push(new InputError(name, describeFsError(err)));
      continue;
    }
    if (info.isDirectory()) {
      // Symlinks are not followed into directories: a symlink loop cannot trap the walk.
      const found = await (await glob())('**/*', {
        cwd: name, onlyFiles: true, followSymbolicLinks: false, suppressErrors: true, dot: false,
      });
      for (const f of found.sort()) {
        const p = path.join(name, f);
        sources.push({ name: p, path: p, explicit: false });
      }
      continue;
    }
    sources.push({ name, path: name, explicit: true });
  }
  return { sources, errors };
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ELOOP': return 'too many levels of symbolic links';
    case 'ENAMETOOLONG': return 'file name too long';
    default: return errorMessage(err).replace(/^[A-Z]+: /, '');
  }
}
