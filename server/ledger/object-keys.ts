/** Where each kind of evidence object lives in the store. */
const pad = (n: number) => String(n).padStart(6, '0');

export const objectKeys = {
  recordingPrefix: (recordingId: string) => `recordings/${recordingId}/`,
  segmentPrefix: (recordingId: string) => `recordings/${recordingId}/segments/`,
  /** `ext`: a photo's segment keeps its picture's extension (uploads/photo-format.ts) */
  segment: (recordingId: string, idx: number, ext = 'ts') => `recordings/${recordingId}/segments/${pad(idx)}.${ext}`,
  checkpointPrefix: (recordingId: string) => `recordings/${recordingId}/checkpoints/`,
  checkpoint: (recordingId: string, entryCount: number) => `recordings/${recordingId}/checkpoints/${pad(entryCount)}.json`,
  manifest: (recordingId: string) => `recordings/${recordingId}/manifest.json`,
  manifestSignature: (recordingId: string) => `recordings/${recordingId}/manifest.json.sig`,
  publicKey: (fingerprint: string) => `keys/${fingerprint}.pem`,
  /** worker products live apart from evidence: `recordings/` holds only what was sealed */
  derivative: (recordingId: string, kind: string, idx: number, ext: string) => `derivatives/${recordingId}/${kind}/${pad(idx)}.${ext}`,
  exportFile: (exportId: string, file: string) => `exports/${exportId}/${file}`,
  /** an archived case: its signed manifest, written once at archiving */
  caseManifest: (caseId: string) => `cases/${caseId}/manifest.json`,
  caseManifestSignature: (caseId: string) => `cases/${caseId}/manifest.json.sig`,
  /** a redaction's segments (plain, mark_a, mark_b) and its manifest: derivatives, never evidence */
  redactedSegment: (redactionId: string, variant: string, idx: number) => `redactions/${redactionId}/${variant}/${pad(idx)}.ts`,
  redactionManifest: (redactionId: string) => `redactions/${redactionId}/manifest.json`,
};
