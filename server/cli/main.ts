/**
 * `liuhen` — the command line. Flags are parsed with node:util and checked with zod; errors are
 * mapped to exit codes in exit-codes.ts.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openCore } from '../core.ts';
import { EXIT, exitCodeFor, messageFor } from './exit-codes.ts';
import { deviceAdd, deviceAssign, deviceCutter, deviceRevoke, devicesList } from './devices-command.ts';
import { recordingsList } from './recordings-command.ts';
import { recordingCommand, RECORDING_USAGE } from './recording-command.ts';
import { grantsList, userAdd, userDisable, userEnable, userReset, usersList } from './users-command.ts';
import { auditQuery, auditVerify } from './audit-command.ts';
import { verify } from './verify-command.ts';
import { traceCommand } from './trace-command.ts';
import { jobsList } from './jobs-command.ts';
import { exportCommand } from './export-command.ts';
import { caseCommand, CASE_USAGE } from './cases-command.ts';
import { holdCommand, retentionCommand, RETENTION_USAGE } from './retention-command.ts';
import { keysInit, keysRotateSigning, KEYS_USAGE } from './keys-command.ts';
import { storeCommand, STORE_USAGE } from './store-command.ts';

const USAGE = `liuhen — 留痕 evidence server

  liuhen up [--roles ingest,api,worker]       run the server (LIUHEN_* variables configure it); a node does
                                              the roles named (default all): camera ingest, HTTP, job workers
  liuhen worker                               run only the job workers (renditions, watermarks, exports) until SIGTERM
  liuhen device add --kind bodycam|fixed [--officer <badgeNo>] [--name <name>] [--unit <unit>]
                    [--rtsp <rtsp://[user:password@]host/path> [--rtsp-user <user>] [--rtsp-password-file <file>]]
                                              a fixed camera with --rtsp is pulled and recorded continuously;
                                              its credentials are stored sealed and never printed (prefer the
                                              password file: a URL on the command line shows in ps)
  liuhen device revoke <deviceId>
  liuhen device assign <deviceId> --officer <badgeNo>   hands a body camera to another officer (one each)
  liuhen device cutter <deviceId> in-process|ffmpeg|default   what cuts its RTMP stream from its next publish on
  liuhen devices [--json]
  liuhen recordings [--json]
${RECORDING_USAGE}  liuhen verify <recordingId> [--json]        exit 0 intact, 1 broken (names the first broken entry)
  liuhen user add --role <role> --unit <unit> --name <name> --badge <badgeNo> [--clearance a,b]
                                              roles: commander reviewer custodian auditor admin party agency_head legal
                                              security_officer; clearances: state_secret trade_secret privacy; prints a
                                              one-time password. A media or oversight role or a clearance waits for a
                                              security officer's approval, unless none is active yet (the bootstrap)
  liuhen user reset <badgeNo>                 a new one-time password; the account's sessions end
  liuhen user disable <badgeNo> --reason <text>   the account's sessions end at once; nothing is deleted
  liuhen user enable <badgeNo>                a media or oversight account is proposed for approval instead
  liuhen users [--json]
  liuhen grants [--state proposed|approved|rejected] [--json]   grants awaiting or past a security officer's decision
  liuhen audit [--viewer <userId>] [--recording <id>] [--since <ISO time>] [--json]
  liuhen audit verify [--json]                exit 0 intact, 1 broken (names the first bad event)
  liuhen trace <file> [--recording <id>] [--json]   names the replay session or party copy a leaked copy came
                                              from, with its false-match probability; exit 0 named, 1 nobody
  liuhen jobs [--subject <recordingId|exportId>] [--json]   state, progress, runs and error of each job
  liuhen export package <recordingId> --out <file>
                                              an evidence package (tar): the original segments, the signed
                                              manifest, the key and a README to verify it with sha256sum and openssl
  liuhen export party-copy <recordingId> --recipient <name> --approval <approvalNo> --out <file>
                                              a party's MP4 copy, watermarked for the recipient (visible and forensic)
                                              under the agency head's approval number (审批编号). Both show a progress
                                              bar while a worker (liuhen up, or liuhen worker) makes the file
${CASE_USAGE}${RETENTION_USAGE}${STORE_USAGE}${KEYS_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? EXIT.ok : EXIT.badInput;
  }
  const config = loadConfig();
  // The server and the workers load most of liuhen (express, ingest, BullMQ); the other commands,
  // run often by scripts and tests, do not pay for that.
  if (command === 'up') return (await import('./up-command.ts')).up(config, rest);
  if (command === 'worker') return (await import('./worker-command.ts')).worker(config);
  // These make what openCore needs (the bucket, the keys), so they run without it.
  if (command === 'store') return storeCommand(config, rest);
  if (command === 'keys' && rest[0] === 'init' && rest.length === 1) return keysInit(config);
  // Commands other than `up` log only warnings, so their output stays readable and scriptable.
  const core = await openCore(config, createLogger('warn'));
  try {
    // Cases have their own flags (cases-command.ts parses them).
    if (command === 'case') return await caseCommand(core, rest);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        kind: { type: 'string' },
        rtsp: { type: 'string' },
        'rtsp-user': { type: 'string' },
        'rtsp-password-file': { type: 'string' },
        officer: { type: 'string' },
        name: { type: 'string' },
        unit: { type: 'string' },
        role: { type: 'string' },
        badge: { type: 'string' },
        clearance: { type: 'string' },
        reason: { type: 'string' },
        state: { type: 'string' },
        viewer: { type: 'string' },
        recording: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        label: { type: 'string' },
        subject: { type: 'string' },
        days: { type: 'string' },
        out: { type: 'string' },
        recipient: { type: 'string' },
        approval: { type: 'string' },
      },
    });
    const sub = positionals[0];
    switch (command) {
      case 'device':
        if (sub === 'add') {
          const rtspPassword = values['rtsp-password-file'] ? fs.readFileSync(values['rtsp-password-file'], 'utf8').trim() : undefined;
          return await deviceAdd(core, {
            kind: values.kind as 'bodycam',
            officerBadge: values.officer,
            name: values.name,
            unit: values.unit,
            rtspUrl: values.rtsp,
            rtspUser: values['rtsp-user'],
            rtspPassword,
          });
        }
        if (sub === 'revoke') return await deviceRevoke(core, z.string().min(1).parse(positionals[1]));
        if (sub === 'assign')
          return await deviceAssign(core, z.string().min(1, 'give a device id').parse(positionals[1]), z.string({ required_error: 'give --officer <badgeNo>' }).parse(values.officer));
        if (sub === 'cutter') {
          const choice = z.enum(['in-process', 'ffmpeg', 'default'], { required_error: 'give in-process, ffmpeg or default' }).parse(positionals[2]);
          return await deviceCutter(core, z.string().min(1, 'give a device id').parse(positionals[1]), choice === 'default' ? null : choice);
        }
        break;
      case 'devices':
        return await devicesList(core, values.json ?? false);
      case 'recording': {
        const code = (await holdCommand(core, sub, positionals[1], values.reason)) ?? (await recordingCommand(core, sub, positionals[1], values));
        if (code !== null) return code;
        break;
      }
      case 'recordings':
        return await recordingsList(core, values.json ?? false);
      case 'user':
        if (sub === 'add') {
          const clearances = values.clearance ? values.clearance.split(',') : [];
          return await userAdd(core, { role: values.role as 'commander', unit: values.unit!, name: values.name!, badge: values.badge!, clearances: clearances as [] });
        }
        if (sub === 'reset' || sub === 'disable' || sub === 'enable') {
          const badge = z.string().min(1, 'give a badge number').parse(positionals[1]);
          if (sub === 'reset') return await userReset(core, badge);
          if (sub === 'enable') return await userEnable(core, badge);
          return await userDisable(core, badge, z.string({ required_error: 'give --reason <text>' }).trim().min(1).max(500).parse(values.reason));
        }
        break;
      case 'grants':
        return await grantsList(core, z.enum(['proposed', 'approved', 'rejected']).optional().parse(values.state), values.json ?? false);
      case 'users':
        return await usersList(core, values.json ?? false);
      case 'audit':
        if (sub === 'verify') return await auditVerify(core, values.json ?? false);
        if (!sub) return await auditQuery(core, { viewer: values.viewer, recording: values.recording, since: values.since }, values.json ?? false);
        break;
      case 'export':
        if (sub === 'package') return await exportCommand(core, { kind: 'package', recordingId: positionals[1] ?? '', out: values.out! });
        if (sub === 'party-copy') {
          return await exportCommand(core, { kind: 'party_copy', recordingId: positionals[1] ?? '', out: values.out!, recipient: values.recipient!, approvalNo: values.approval! });
        }
        break;
      case 'jobs':
        return await jobsList(
          core,
          z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a recording or export id')
            .optional()
            .parse(values.subject),
          values.json ?? false,
        );
      case 'verify':
        return await verify(core, z.string().min(1, 'give a recording id').parse(sub), values.json ?? false);
      case 'retention': {
        const days = values.days === undefined ? undefined : z.coerce.number().int().min(1).max(366).parse(values.days);
        const code = await retentionCommand(core, sub, positionals[1], values.json ?? false, days);
        if (code !== null) return code;
        break;
      }
      case 'keys':
        if (sub === 'rotate-signing') return await keysRotateSigning(core);
        break;
      case 'trace':
        return await traceCommand(core, z.string().min(1, 'give the leaked file').parse(sub), values.recording, values.json ?? false);
    }
    process.stderr.write(`unknown command: ${argv.join(' ')}\n\n${USAGE}`);
    return EXIT.badInput;
  } finally {
    await core.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`liuhen: ${messageFor(err)}\n`);
    process.exitCode = exitCodeFor(err);
  },
);
