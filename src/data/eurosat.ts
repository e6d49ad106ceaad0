/**
 * EuroSAT (Helber et al. 2019), RGB version, in its published layout: one folder per land-cover
 * class holding 64x64 JPEGs (AnnualCrop/AnnualCrop_1.jpg, ...; 27,000 images), the class folders
 * directly in dataDir or in its 2750/, EuroSAT_RGB/, EuroSAT/ or eurosat/2750/ sub-folder (the
 * names the published archives and torchvision use). Labels follow seed 004's ten classes
 * (alphabetical = torchvision's order). There is no official split: a seeded stratified split
 * holds out valFraction (default 0.2) of each class for testing.
 */
import { nodeModules } from '../platform.js';
import { folderSplits, stratifiedSplit } from './folder-dataset.js';
import { ImageFolder } from './image-folder.js';
import type { RawLoaded } from './loaded.js';
import type { DatasetLoadOptions } from './registry-types.js';

/** The ten EuroSAT classes (index = label), as in seed 004's EuroSAT(ImageFolder) class. */
export const EUROSAT_CLASSES = [
  'AnnualCrop',
  'Forest',
  'HerbaceousVegetation',
  'Highway',
  'Industrial',
  'Pasture',
  'PermanentCrop',
  'Residential',
  'River',
  'SeaLake',
] as const;

/** Images per class in the published RGB set (27,000 in all). */
export const EUROSAT_CLASS_COUNTS: readonly number[] = [3000, 3000, 3000, 2500, 2500, 2000, 2500, 3000, 2500, 3000];

/** Test images of the full set with the default 0.2 stratified split (round(0.2 * count) per class). */
export const EUROSAT_TEST_SIZE = EUROSAT_CLASS_COUNTS.reduce((s, c) => s + Math.round(c * 0.2), 0);
/** Training images of the full set with the default split. */
export const EUROSAT_TRAIN_SIZE = EUROSAT_CLASS_COUNTS.reduce((s, c) => s + c, 0) - EUROSAT_TEST_SIZE;

/** The folder under dataDir that holds the ten class folders; an error lists what is missing. */
export async function findEurosatRoot(dataDir: string): Promise<string> {
  const { fs, path } = await nodeModules('eurosat');
  const candidates = [dataDir, ...['2750', 'EuroSAT_RGB', 'EuroSAT', 'eurosat/2750'].map((d) => path.join(dataDir, d))];
  const hasClasses = (dir: string): string[] =>
    EUROSAT_CLASSES.filter((c) => {
      const p = path.join(dir, c);
      return fs.existsSync(p) && fs.statSync(p).isDirectory();
    });
  let best = { dir: dataDir, found: [] as string[] };
  for (const dir of candidates) {
    const found = hasClasses(dir);
    if (found.length === EUROSAT_CLASSES.length) return dir;
    if (found.length > best.found.length) best = { dir, found };
  }
  const missing = EUROSAT_CLASSES.filter((c) => !best.found.includes(c));
  throw new Error(
    `dataset 'eurosat': ${best.dir} lacks the class folders ${missing.join(', ')}; --data-dir must hold the ten EuroSAT RGB class folders (${EUROSAT_CLASSES.join(', ')}) or a 2750/ or EuroSAT_RGB/ folder with them`,
  );
}

/** Loads EuroSAT from dataDir with a seeded stratified train/test split (see the file comment). */
export async function loadEurosat(dataDir: string, o: DatasetLoadOptions = {}): Promise<RawLoaded> {
  const root = await findEurosatRoot(dataDir);
  const { fs, path } = await nodeModules('eurosat');
  const first = path.join(root, EUROSAT_CLASSES[0]);
  if (fs.readdirSync(first).some((f) => /\.tiff?$/i.test(f)))
    throw new Error(
      `dataset 'eurosat': ${first} holds .tif files: that is the 13-band multispectral EuroSAT (EuroSAT_MS); use the RGB version (EuroSAT_RGB, 64x64 JPEGs)`,
    );
  const size = o.resize ? ([o.resize[0], o.resize[1]] as const) : undefined;
  const all = await ImageFolder.open(root, size ? { size } : {});
  const extra = all.classes.filter((c) => !(EUROSAT_CLASSES as readonly string[]).includes(c));
  if (extra.length)
    throw new Error(
      `dataset 'eurosat': ${root} has folders that are not EuroSAT classes: ${extra.join(', ')}; move them out (the ten classes are ${EUROSAT_CLASSES.join(', ')})`,
    );
  const labels = all.samples.map((s) => s.label);
  const { train, test } = stratifiedSplit(labels, all.classes.length, o.valFraction ?? 0.2, o.seed ?? 0);
  const splits = folderSplits(
    "dataset 'eurosat'",
    { folder: all, indices: train },
    { folder: all, indices: test },
    o.limit,
  );
  return { name: 'eurosat', task: 'classification', ...splits, classes: EUROSAT_CLASSES, normalize: 'compute' };
}
