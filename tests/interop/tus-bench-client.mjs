// tus-js-client as people use it in Node, for HoSo's upload benchmark:
// the file as a seekable read stream, one PATCH for the rest of the file
// (the default chunk size), the default retry delays extended so that a
// long run with many interruptions is not given up.
//
//   node tus-bench-client.mjs ENDPOINT TOKEN FILE
//
// Prints one JSON line: seconds, retries, upload URL, peak RSS (MiB).
import { Upload } from 'tus-js-client';
import fs from 'node:fs';
import path from 'node:path';

const [endpoint, token, file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node tus-bench-client.mjs ENDPOINT TOKEN FILE');
  process.exit(2);
}
const size = fs.statSync(file).size;
let retries = 0;
const started = process.hrtime.bigint();

const outcome = await new Promise((resolve) => {
  const upload = new Upload(fs.createReadStream(file), {
    endpoint,
    uploadSize: size,
    retryDelays: [0, 1000, 3000, 5000, ...Array(50).fill(10000)],
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    metadata: { filename: path.basename(file), filetype: 'application/octet-stream' },
    onShouldRetry: () => {
      retries += 1;
      return true;
    },
    onError: (error) => resolve({ error: String(error) }),
    onSuccess: () => resolve({ url: upload.url }),
  });
  upload.start();
});

const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(
  JSON.stringify({
    ...outcome,
    seconds,
    retries,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
process.exit(outcome.error ? 1 : 0);
