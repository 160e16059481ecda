import { ConfigError } from '../../common/errors.js';
import { countOf } from '../count-text.js';
import { defineCommand, intFlag, parseDurationMs, stringFlag } from '../command.js';
import { untilSignal } from '../lifecycle.js';
import { startSpanRecorder } from '../span-recorder.js';

export const recordCommand = defineCommand({
  name: 'record',
  summary: 'record OTLP/HTTP spans into an OTLP/JSON file for `policy check --spans` (CI)',
  usage: '--out FILE [--port 4318] [--host 127.0.0.1] [--for DURATION]',
  options: { out: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, for: { type: 'string' } },
  async run(args) {
    const out = stringFlag(args, 'out');
    if (!out) throw new ConfigError('record needs --out FILE (where the spans go, as OTLP/JSON lines)');
    const port = intFlag(args, 'port', 0, 65535) ?? 4318;
    const forMs = args.values.for === undefined ? undefined : parseDurationMs(stringFlag(args, 'for') ?? '', '--for');
    let recorder;
    try {
      recorder = await startSpanRecorder({ outFile: out, port, host: stringFlag(args, 'host') ?? '127.0.0.1' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new ConfigError(`port ${port} is already in use (an egresswatch start or an OTel collector?); pick another with --port and point OTEL_EXPORTER_OTLP_ENDPOINT at it`);
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'EROFS') throw new ConfigError(`--out: cannot write ${out} (${code})`);
      throw err;
    }
    process.stdout.write(
      `recording spans sent to ${recorder.url}/v1/traces into ${out}\n` +
        `  run the tests with OTEL_EXPORTER_OTLP_ENDPOINT=${recorder.url} (protobuf or http/json)\n` +
        `  ${forMs === undefined ? 'stop with Ctrl-C or SIGTERM' : `stops after ${stringFlag(args, 'for')}`}, then: egresswatch policy check --spans ${out}\n`,
    );
    const stop = async (): Promise<void> => {
      await recorder.close();
      const { spans, requests } = recorder.counts();
      process.stdout.write(`recorded ${countOf(spans, 'span')} from ${countOf(requests, 'export request')} into ${out}\n`);
    };
    if (forMs !== undefined) {
      // A signal still stops it early, and cleanly.
      const timer = new Promise<number>((resolve) => setTimeout(() => resolve(0), forMs).unref());
      const code = await Promise.race([timer, untilSignal([])]);
      await stop();
      return code;
    }
    return untilSignal([['recorder', stop]]);
  },
});
