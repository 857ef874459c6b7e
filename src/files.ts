/** Small file helpers shared by the data folder's occupants (the lock, the generated key file). */
import { readFile } from 'node:fs/promises';

/** The file's text, trimmed; undefined when it does not exist (any other failure throws). */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
