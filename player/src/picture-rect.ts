/**
 * Where the picture lies inside a player box that shows it with `object-fit: contain`: centred,
 * as large as fits, the rest bars. A portrait camera in a 16:9 box leaves bars left and right;
 * the moving watermark must stay on the picture, or a crop of the picture alone leaves it out.
 * Pure: sizes in, rectangle out (CSS pixels, relative to the box).
 */
export interface Size {
  width: number;
  height: number;
}

export interface Rect extends Size {
  left: number;
  top: number;
}

/** The whole box while the picture's size is not known yet (no metadata). */
export function pictureRect(box: Size, picture: Size): Rect {
  if (picture.width <= 0 || picture.height <= 0) return { left: 0, top: 0, ...box };
  const scale = Math.min(box.width / picture.width, box.height / picture.height);
  const width = picture.width * scale;
  const height = picture.height * scale;
  return { left: (box.width - width) / 2, top: (box.height - height) / 2, width, height };
}
