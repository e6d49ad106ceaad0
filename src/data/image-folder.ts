/**
 * ImageFolder: a dataset of image files laid out one sub-folder per class
 * (root/cat/001.png, root/dog/xyz.jpg, ...), like torchvision's ImageFolder. Class names are
 * the sub-folder names sorted by code point (label = position); files (PNG or JPEG) are sorted
 * within each class. Images are decoded lazily in get(i) to float32 (C, H, W) in [0, 1].
 */
import type * as FsModule from 'node:fs';
import { nodeModules } from '../platform.js';
import { decodeImage, imageToTensor, type ImageToTensorOptions } from '../vision/image.js';
import { checkIndex, type Dataset, type Sample } from './dataset.js';

/** Options of ImageFolder.open. */
export interface ImageFolderOptions extends ImageToTensorOptions {
  /** File extensions to include (lower case, with the dot); default .png, .jpg, .jpeg. */
  extensions?: readonly string[];
  /**
   * Accept class folders with no image files (torchvision's allow_empty); default false: an
   * empty class is refused, naming its folder, because its label could never be learned.
   */
  allowEmpty?: boolean;
}

/**
 * A dataset's images share one background: transparent pixels become black (what torchvision's
 * RGB conversion gives for the usual transparent black), not a per-image 'auto' choice.
 */
const DATASET_DEFAULTS: ImageToTensorOptions = { background: 'black' };

/** A dataset of PNG/JPEG files in class sub-folders (Node only). */
export class ImageFolder implements Dataset {
  /** Root folder. */
  readonly root: string;
  /** Class names (sorted sub-folder names; index = label). */
  readonly classes: readonly string[];
  /** Every sample's file path and label, in dataset order. */
  readonly samples: readonly {
    /** The image file. */
    path: string;
    /** Its class index (into classes). */
    label: number;
  }[];
  private readonly options: ImageToTensorOptions;
  private readonly fs: typeof FsModule;

  private constructor(
    root: string,
    classes: string[],
    samples: { path: string; label: number }[],
    options: ImageToTensorOptions,
    fs: typeof FsModule,
  ) {
    this.root = root;
    this.classes = classes;
    this.samples = samples;
    this.options = options;
    this.fs = fs;
  }

  /** Scans root for class sub-folders and their image files; size, grayscale and background apply to every image. */
  static async open(root: string, options: ImageFolderOptions = {}): Promise<ImageFolder> {
    const { fs, fsp, path } = await nodeModules('ImageFolder');
    const exts = (options.extensions ?? ['.png', '.jpg', '.jpeg']).map((e) => e.toLowerCase());
    let entries;
    try {
      entries = await fsp.readdir(root, { withFileTypes: true });
    } catch (e) {
      throw new Error(`ImageFolder: cannot read ${root}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    const classes = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort(byCodePoint);
    if (classes.length === 0) throw new Error(`ImageFolder: ${root} has no class sub-folders`);
    const samples: { path: string; label: number }[] = [];
    for (let label = 0; label < classes.length; label++) {
      const dir = path.join(root, classes[label]);
      const files = (await fsp.readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isFile() && exts.includes(path.extname(e.name).toLowerCase()))
        .map((e) => e.name)
        .sort(byCodePoint);
      if (files.length === 0 && options.allowEmpty !== true) {
        throw new Error(
          `ImageFolder: class folder ${dir} has no ${exts.join('/')} files; add images, remove the folder or pass { allowEmpty: true }`,
        );
      }
      for (const f of files) samples.push({ path: path.join(dir, f), label });
    }
    if (samples.length === 0)
      throw new Error(`ImageFolder: no ${exts.join('/')} files in the class folders of ${root}`);
    const { size, grayscale, background } = options;
    const opts: ImageToTensorOptions = { ...DATASET_DEFAULTS };
    if (size !== undefined) opts.size = size;
    if (grayscale !== undefined) opts.grayscale = grayscale;
    if (background !== undefined) opts.background = background;
    return new ImageFolder(root, classes, samples, opts, fs);
  }

  /** Number of images. */
  get length(): number {
    return this.samples.length;
  }

  /** Reads and decodes image i: x (C, H, W) float32 in [0, 1], y its class index. */
  get(i: number): Sample {
    checkIndex('ImageFolder.get', i, this.length);
    const { path, label } = this.samples[i];
    const img = decodeImage(this.fs.readFileSync(path), path);
    return { x: imageToTensor(img, this.options), y: label };
  }
}
