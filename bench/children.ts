/** The benches that run parts of Portico in child processes talk to them over IPC: one message at a time. */
import type { ChildProcess } from 'node:child_process';

/** The child's next message; rejects if it exits first (`what` names it in the error). */
export function nextMessage<T>(process: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what} exited (${code})`));
    process.once('exit', onExit);
    process.once('message', (message) => {
      process.off('exit', onExit);
      resolve(message as T);
    });
  });
}
