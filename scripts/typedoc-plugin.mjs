// TypeDoc plugin for convkit's API reference (typedoc.json loads it; scripts/build-docs.mjs runs TypeDoc):
// 1. Lecture topics: every public symbol gets one of the handbook's topics (TOPICS), decided here
//    from its namespace and source file (topicOf), so the sidebar and the "API by topic" page group
//    the API the way the lectures are taught. The index module's children and F's and nn's are
//    given the topic as their TypeDoc @category; a symbol with no topic fails the build.
// 2. Kernel members: the kernel methods of Backend (and of the backends' interfaces) are typed by
//    a mapped type over the kernel table, which carries no comments; they take the comment of
//    their entry in the table (src/backend/kernels.ts), so those are not "undocumented".
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The handbook's topics, in the lectures' order. */
export const TOPICS = [
  'Tensors and autograd',
  'Layers',
  'Losses',
  'Optimizers and regularization',
  'Data and augmentation',
  'Models',
  'Training',
  'Interop',
  'Visualization and explain',
  'Backends',
];

/** The topic of each namespace of the `convkit` entry point (F and nn are split into Layers and Losses by file). */
const NAMESPACE_TOPIC = {
  autograd: 'Tensors and autograd',
  F: 'Layers',
  nn: 'Layers',
  optim: 'Optimizers and regularization',
  data: 'Data and augmentation',
  io: 'Interop',
  vision: 'Visualization and explain',
  train: 'Training',
  models: 'Models',
  plot: 'Visualization and explain',
  explain: 'Visualization and explain',
};

/** Source folders (relative to src/) to topics, for the top-level exports and the `convkit/node` entry. */
const FOLDER_TOPIC = [
  ['backend/', 'Backends'],
  ['tensor/', 'Tensors and autograd'],
  ['autograd/', 'Tensors and autograd'],
  ['data/', 'Data and augmentation'],
  ['io/', 'Interop'],
  ['train/', 'Training'],
];

const isLossFile = (src) => /(^|\/)loss[^/]*\.ts$/.test(src);

/**
 * The topic of a direct child of an entry point or of one of its namespaces, or undefined:
 * `module` is the entry point's name ('index' or 'node'), `ns` the namespace (or null), `src` the
 * child's source file relative to src/.
 */
export function topicOf(module, ns, src) {
  if (ns !== null) {
    if ((ns === 'F' || ns === 'nn') && src && isLossFile(src)) return 'Losses';
    return NAMESPACE_TOPIC[ns];
  }
  if (module === 'index' && src && /^(nn|optim|data|io|vision|train|models|plot|explain)\//.test(src) === false) {
    for (const [folder, topic] of FOLDER_TOPIC) if (src.startsWith(folder)) return topic;
  }
  if (module === 'node' && src) for (const [folder, topic] of FOLDER_TOPIC) if (src.startsWith(folder)) return topic;
  return undefined;
}

/** The doc comment of each kernel in the kernel table, by kernel name. */
function kernelComments() {
  const file = resolve(ROOT, 'src/backend/kernels.ts');
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map();
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && node.name.getText() === 'KERNELS' && node.initializer) {
      let init = node.initializer;
      while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init))
        init = init.expression;
      if (ts.isObjectLiteralExpression(init))
        for (const p of init.properties) {
          const docs = ts.getJSDocCommentsAndTags(p).filter(ts.isJSDoc);
          const text = docs
            .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
            .join('\n')
            .trim();
          if (p.name && text) out.set(p.name.getText(), text);
        }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  const sourceOf = new Map(); // reflection id -> source file relative to src/
  const kernels = kernelComments();

  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, refl) => {
    const decl = context.getSymbolFromReflection(refl)?.declarations?.[0];
    if (decl) sourceOf.set(refl.id, relative(resolve(ROOT, 'src'), decl.getSourceFile().fileName));
  });

  app.converter.on(
    Converter.EVENT_RESOLVE_BEGIN,
    (context) => {
      const project = context.project;
      const missing = [];
      for (const mod of project.children ?? []) {
        const module = mod.name === 'convkit/node' ? 'node' : 'index';
        for (const child of mod.children ?? []) {
          const isNs = child.kindOf(ReflectionKind.Namespace);
          const topic = isNs ? NAMESPACE_TOPIC[child.name] : topicOf(module, null, sourceOf.get(child.id));
          if (!topic) missing.push(`${mod.name}.${child.name} (${sourceOf.get(child.id) ?? 'no source'})`);
          else setCategory(child, topic);
          if (isNs && (child.name === 'F' || child.name === 'nn'))
            for (const c of child.children ?? []) setCategory(c, topicOf(module, child.name, sourceOf.get(c.id)));
        }
      }
      if (missing.length)
        app.logger.error(
          `convkit topics: no lecture topic for ${missing.join(', ')}; add its folder or namespace to scripts/typedoc-plugin.mjs`,
        );
      // kernel members of backend interfaces: the kernel table's comment
      for (const refl of Object.values(project.reflections)) {
        if (!refl.kindOf(ReflectionKind.Property) || refl.comment || !kernels.has(refl.name)) continue;
        const parent = refl.parent;
        if (!parent?.kindOf(ReflectionKind.Interface) || !/Backend$/.test(parent.name)) continue;
        refl.comment = new Comment([
          {
            kind: 'text',
            text: `Kernel \`${refl.name}\` (the kernel table, src/backend/kernels.ts): ${kernels.get(refl.name)}`,
          },
        ]);
      }
    },
    200,
  );
}

function setCategory(refl, topic) {
  if (!topic) return;
  refl.comment ??= new Comment();
  if (refl.comment.blockTags.some((t) => t.tag === '@category')) return; // an explicit @category wins
  refl.comment.blockTags.push(new CommentTag('@category', [{ kind: 'text', text: topic }]));
}
