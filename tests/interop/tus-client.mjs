// Uploads a file to a tus server with tus-js-client, the reference tus
// client, the way HoSo's interoperability tests ask, and prints one JSON
// line with the outcome.
//
//   node tus-client.mjs ENDPOINT TOKEN FILE SCENARIO
//
// SCENARIO: upload       - chunks of 1 MiB, each with Upload-Checksum sha256
//           resume       - abort after the first chunk, resume from the URL
//           bad-checksum - the second chunk's checksum is wrong
//           parallel     - three partial uploads at once, joined by a final
//                          one (concatenation), no checksums
//           deferred     - the length given with the last PATCH
//                          (creation-defer-length), no checksums
import { Upload } from 'tus-js-client';
import fs from 'node:fs';
import crypto from 'node:crypto';
import path from 'node:path';

const [endpoint, token, file, scenario] = process.argv.slice(2);
const data = fs.readFileSync(file);
const chunkSize = 1024 * 1024;
let patches = 0;

function options(extra) {
  return {
    endpoint,
    chunkSize,
    retryDelays: null,
    headers: { Authorization: `Bearer ${token}` },
    metadata: { filename: path.basename(file), filetype: 'application/pdf' },
    onBeforeRequest(req) {
      if (req.getMethod() !== 'PATCH') return;
      patches += 1;
      if (scenario === 'parallel' || scenario === 'deferred') return;
      const offset = Number(req.getHeader('Upload-Offset'));
      const slice = data.subarray(offset, Math.min(offset + chunkSize, data.length));
      let digest = crypto.createHash('sha256').update(slice).digest('base64');
      if (scenario === 'bad-checksum' && patches === 2) {
        digest = crypto.createHash('sha256').update('not the chunk').digest('base64');
      }
      req.setHeader('Upload-Checksum', `sha256 ${digest}`);
    },
    ...extra,
  };
}

function run(opts) {
  return new Promise((resolve) => {
    const upload = new Upload(data, {
      ...opts,
      onError: (error) => resolve({ upload, error }),
      onSuccess: () => resolve({ upload }),
      onChunkComplete: (_size, accepted) => {
        if (opts.stopAfter && accepted >= opts.stopAfter) {
          upload.abort(false).then(() => resolve({ upload, aborted: accepted }));
        }
      },
    });
    upload.start();
  });
}

function report(out) {
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (scenario === 'resume') {
  const first = await run(options({ stopAfter: chunkSize }));
  if (!first.aborted) {
    report({ error: String(first.error || 'did not stop after the first chunk') });
    process.exit(1);
  }
  const second = await run(options({ uploadUrl: first.upload.url }));
  report({
    url: second.upload.url,
    resumed_from: first.aborted,
    error: second.error ? String(second.error) : null,
    patches,
  });
} else {
  const extra = {
    parallel: { parallelUploads: 3, chunkSize: Infinity },
    deferred: { uploadLengthDeferred: true },
  }[scenario] || {};
  const done = await run(options(extra));
  const status = done.error && done.error.originalResponse
    ? done.error.originalResponse.getStatus()
    : null;
  report({
    url: done.upload.url,
    error: done.error ? String(done.error) : null,
    status,
    patches,
  });
}
