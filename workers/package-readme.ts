/**
 * The README.txt of an evidence package, in Chinese and English: what is in it and the commands
 * that verify it with standard tools only (tar, sha256sum, openssl, and grep/sed/paste/diff for
 * comparing two lists). Every line that starts with "$ " is a command to run, as written, in the
 * folder the package was unpacked into; the tests run exactly those lines.
 *
 * SHA256SUMS is not signed: step 3 shows that it lists exactly the hashes and file names the
 * signed manifest lists (the manifest is pretty-printed JSON where each segment's "sha256" line
 * comes before its "key" line).
 */
import type { Export, Recording } from '../server/db/schema.ts';
import type { Manifest } from '../server/ledger/manifest.ts';

export const README_COMMAND_PREFIX = '$ ';

export function packageReadme(recording: Recording, manifest: Manifest, exp: Export, keyFile: string): string {
  const segments = manifest.entries.filter((e) => e.kind === 'segment').length;
  const gaps = manifest.entries.filter((e) => e.kind === 'gap');
  const $ = README_COMMAND_PREFIX;
  return [
    '留痕 liuhen 证据包 / evidence package',
    '',
    `录像 Recording          ${recording.id}`,
    `设备 Device             ${recording.device_id}`,
    `执法人员 Officer        ${recording.officer_badge ?? '-'}`,
    `开始 Started (UTC)      ${recording.started_at}`,
    `结束 Ended (UTC)        ${recording.ended_at ?? '-'}`,
    `片段 Segments           ${segments}`,
    `中断 Gaps               ${gaps.length}${gaps.map((g) => `\n    #${g.idx} ${g.start} ${(g.durationMs / 1000).toFixed(1)} s ${g.cause ?? ''}`).join('')}`,
    `链尾 Final link         ${manifest.finalLink}`,
    `导出编号 Export         ${exp.id}  (requested ${exp.created_at})`,
    `签名公钥指纹 Key        ${manifest.signingKey}`,
    '',
    '内容 Contents',
    '  segments/NNNNNN.ts  原始录像片段，与封存时逐字节相同；编号即清单中的条目序号',
    '                      the original segments, bit for bit as sealed, numbered by manifest entry',
    '                      照片为 segments/000001.jpg（或 .png）：收到的原文件，含 EXIF',
    '                      a photo is segments/000001.jpg (or .png): the file as received, EXIF and all',
    '  manifest.json       录像清单：每个片段和中断的 SHA-256、时间与哈希链',
    '                      the manifest: every segment and gap with its SHA-256, time and hash-chain link',
    '  manifest.json.sig   清单文件原始字节的 Ed25519 签名 / Ed25519 signature over manifest.json as it is',
    `  ${keyFile}`,
    '                      签名公钥 / the signing public key',
    "  SHA256SUMS          各片段的校验和 / the segments' checksums, for sha256sum -c",
    '',
    '核验：只用 tar、sha256sum、openssl 和常见文本工具。先解包到一个空文件夹，再在其中执行以 "$ " 开头的命令（不含 "$ "）。',
    'Verify with tar, sha256sum, openssl and common text tools only. Unpack into an empty folder, then',
    'run there each line that starts with "$ " (without the "$ "). Each command exits 0 when all is well.',
    '',
    '    mkdir evidence && tar -xf <this package>.tar -C evidence && cd evidence',
    '',
    '1. 片段未被改动（每行显示 OK）/ the segments are unchanged (every line says OK):',
    `${$}sha256sum -c SHA256SUMS`,
    '',
    '2. 清单经服务器签名且未被改动（显示 Signature Verified Successfully）/',
    '   the manifest was signed by the server and is unchanged (prints Signature Verified Successfully):',
    `${$}openssl pkeyutl -verify -pubin -inkey ${keyFile} -rawin -in manifest.json -sigfile manifest.json.sig`,
    '',
    '3. SHA256SUMS 与已签名的清单一致（无输出）/ SHA256SUMS says what the signed manifest says (no output):',
    `${$}grep -oE '"(sha256|key)": "[^"]+"' manifest.json | sed -E 's/^"[a-z0-9]+": "(.*)"$/\\1/' | paste -d ' ' - - | sed -E 's#^([0-9a-f]{64}) .*/#\\1  segments/#' | diff - SHA256SUMS`,
    '',
    '4. 公钥指纹：应等于清单中的 "signingKey"，并等于本机关另行公布的指纹（只有后者证明密钥属于本机关）/',
    '   the key\'s fingerprint: equals the manifest\'s "signingKey", and must equal the fingerprint the agency',
    "   publishes separately (only that proves the key is the agency's):",
    `${$}openssl pkey -pubin -in ${keyFile} -outform DER | sha256sum`,
    '',
    '哈希链可逐条复算（headerLink = sha256("header" 一行)，片段的链接 = sha256("<上一链接> <序号> <片段哈希> <开始时间> <时长毫秒>" 加换行）：',
    'The hash chain can be recomputed entry by entry (headerLink is the sha256 of the "header" line; a segment\'s',
    'link is the sha256 of "<previous link> <idx> <sha256> <start> <duration ms>" and a newline; a gap has',
    '"gap:<cause>" where a segment has its sha256), for example:',
    "    printf '%s %s %s %s %s\\n' <previous link> <idx> <sha256> <start> <durationMs> | sha256sum",
    '',
  ].join('\n');
}
