import { brotliDecompressSync, constants, gunzipSync, inflateSync } from 'node:zlib';

/**
 * The inspectable text of a captured body prefix, undoing `Content-Encoding` (gzip, deflate, br)
 * within `maxBytes` of output. A compressed prefix decodes as far as it goes. Undefined when the
 * encoding is unknown or the bytes do not decode: then the body simply has no shape.
 */
export function decodeBody(bytes: Buffer, contentEncoding: string | undefined, maxBytes: number): { text: string; cut: boolean } | undefined {
  const encoding = contentEncoding?.trim().toLowerCase() ?? '';
  if (encoding === '' || encoding === 'identity') return { text: bytes.toString('utf8'), cut: false };
  const inflate = decoder(encoding);
  if (!inflate) return undefined;
  // A prefix cut at the capture bound is not a complete stream: flush what decodes so far.
  // The output cap makes a decompression bomb cost at most maxBytes.
  let input = bytes;
  for (let attempt = 0; attempt < 4 && input.length > 0; attempt++) {
    try {
      const out = inflate(input, maxBytes);
      return { text: out.toString('utf8'), cut: attempt > 0 };
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') return undefined;
      input = input.subarray(0, Math.floor(input.length / 4));
    }
  }
  return undefined;
}

type Inflate = (input: Buffer, maxOutputLength: number) => Buffer;

function decoder(encoding: string): Inflate | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return (input, maxOutputLength) => gunzipSync(input, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength });
    case 'deflate':
      return (input, maxOutputLength) => inflateSync(input, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength });
    case 'br':
      return (input, maxOutputLength) =>
        brotliDecompressSync(input, { finishFlush: constants.BROTLI_OPERATION_FLUSH, maxOutputLength });
    default:
      return undefined;
  }
}
