/** A text as a QR code on a canvas, for a camera's configuration app to scan. */
import QRCode from 'qrcode';
import { h } from './dom.ts';

export async function qrCanvas(text: string, testId: string): Promise<HTMLCanvasElement> {
  const canvas = h('canvas', { 'data-testid': testId });
  // Error correction M and a 4-module quiet zone: what phone scanners read off a screen reliably.
  await QRCode.toCanvas(canvas, text, { errorCorrectionLevel: 'M', margin: 4, scale: 6 });
  return canvas;
}
