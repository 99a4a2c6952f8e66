/**
 * Which uploads are photos, by what the real ffprobe says of files named as part files are (no
 * extension): a JPEG and a PNG are; a Motion-JPEG video and a sound file are not.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../server/media/probe.ts';
import { photoContentType, photoFormatOf } from '../../server/uploads/photo-format.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-photo-format-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function formatOf(name: string, ffmpegArgs: string[]) {
  const file = path.join(scratch, name);
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...ffmpegArgs, file]);
  fs.renameSync(file, `${file}.part`);
  const probed = await probeMedia('ffmpeg', `${file}.part`);
  if (!probed.ok) throw new Error(probed.stderr);
  return photoFormatOf(probed.probe);
}

describe('photo uploads', () => {
  it('a JPEG and a PNG are photos, stored under their own extension and content type', async () => {
    expect(await formatOf('a.jpg', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1'])).toEqual({ ext: 'jpg', contentType: 'image/jpeg' });
    expect(await formatOf('b.png', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1'])).toEqual({ ext: 'png', contentType: 'image/png' });
  });

  it('a Motion-JPEG video and a sound recording are not', async () => {
    expect(await formatOf('c.avi', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:duration=1', '-c:v', 'mjpeg'])).toBeUndefined();
    expect(await formatOf('d.m4a', ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac'])).toBeUndefined();
  });

  it('a sealed photo is served with the content type its key names', () => {
    expect(photoContentType('recordings/r/segments/000001.jpg')).toBe('image/jpeg');
    expect(photoContentType('recordings/r/segments/000001.png')).toBe('image/png');
    expect(photoContentType('recordings/r/segments/000001.ts')).toBeUndefined();
  });
});
