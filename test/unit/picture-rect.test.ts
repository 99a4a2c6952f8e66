import { describe, expect, it } from 'vitest';
import { pictureRect } from '../../player/src/picture-rect.ts';

describe('where the picture lies in a player box (object-fit: contain)', () => {
  it('is a centred column between bars for a portrait picture in a landscape box', () => {
    expect(pictureRect({ width: 1280, height: 720 }, { width: 720, height: 1280 })).toEqual({ left: 437.5, top: 0, width: 405, height: 720 });
  });

  it('is a centred row between bars for a landscape picture in a portrait box (a phone held upright)', () => {
    expect(pictureRect({ width: 400, height: 800 }, { width: 1280, height: 720 })).toEqual({ left: 0, top: 287.5, width: 400, height: 225 });
  });

  it('is the whole box when the aspect ratios match, whatever the sizes', () => {
    expect(pictureRect({ width: 640, height: 360 }, { width: 1920, height: 1080 })).toEqual({ left: 0, top: 0, width: 640, height: 360 });
  });

  it('is the whole box while the picture’s size is unknown', () => {
    expect(pictureRect({ width: 640, height: 360 }, { width: 0, height: 0 })).toEqual({ left: 0, top: 0, width: 640, height: 360 });
  });
});
