// Runs the bouncelens CLI in this process and writes its peak RSS (KiB) to $RSS_OUT at exit,
// so a test can bound memory without /usr/bin/time.
import { writeFileSync } from 'node:fs';
const [, , cli, ...args] = process.argv;
process.argv = [process.argv[0], cli, ...args];
process.on('exit', () => {
  if (process.env.RSS_OUT) writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS));
});
await import(cli);
