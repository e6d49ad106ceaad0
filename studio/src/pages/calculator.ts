/**
 * The output-size / parameter / receptive-field calculator: one conv, pooling or transposed
 * conv layer worked out with the formula filled in (`train.convArith` & co.), impossible settings
 * refused with the reason, and the per-layer receptive field and jump of a zoo model
 * (`train.summary`), as the lectures compute them by hand.
 */
import { models, train } from 'convkit';
import { count, el, errorBox, field, message, numberInput, select, type Page } from '../ui.js';

type Kind = 'conv' | 'pool' | 'convTranspose';

/** Small zoo models whose summary runs quickly in a page, with their input shapes. */
const MODELS: readonly (readonly [string, readonly number[]])[] = [
  ['lenet5', [1, 28, 28]],
  ['keras-fashion', [1, 28, 28]],
  ['resnet20', [3, 32, 32]],
  ['autoencoder', [1, 28, 28]],
  ['alexnet', [3, 63, 63]],
];

/** The page. */
export const calculatorPage: Page = {
  id: 'calculator',
  title: 'Sizes & receptive fields',
  blurb:
    "Output size, parameters and multiply-adds of a layer with the formula filled in (valid, same, full, dilation, transposed), and a model's receptive fields layer by layer.",
  render(root) {
    root.append(
      el('h1', { text: 'Sizes, parameters and receptive fields' }),
      el('p', {
        class: 'lead',
        text: 'out = floor((n + 2p − d(k − 1) − 1) / s) + 1, filled in for your numbers, and checked by the same code that sizes convkit layers.',
      }),
    );
    const kind = select(
      [
        ['conv', 'convolution'],
        ['pool', 'pooling'],
        ['convTranspose', 'transposed convolution'],
      ],
      'conv',
      { 'data-testid': 'calc-kind' },
    );
    const n = numberInput(32, 1, 4096, { 'data-testid': 'calc-input' });
    const k = numberInput(5, 1, 512, { 'data-testid': 'calc-kernel' });
    const s = numberInput(1, 1, 64, { 'data-testid': 'calc-stride' });
    const p = el('input', {
      type: 'text',
      value: '0',
      size: 6,
      'data-testid': 'calc-padding',
      'aria-describedby': 'pad-hint',
    });
    const d = numberInput(1, 1, 64, { 'data-testid': 'calc-dilation' });
    const op = numberInput(0, 0, 64, { 'data-testid': 'calc-output-padding' });
    const cin = numberInput(3, 1, 100000, { 'data-testid': 'calc-in-channels' });
    const cout = numberInput(10, 1, 100000, { 'data-testid': 'calc-out-channels' });
    const opField = field('Output padding', op);
    const errors = errorBox();
    const out = el('div', { class: 'calc-out', 'data-testid': 'calc-result', 'aria-live': 'polite' });
    root.append(
      el(
        'section',
        { class: 'calc' },
        el('h2', { text: 'One layer' }),
        el(
          'div',
          { class: 'row wrap' },
          field('Layer', kind),
          field('Input size n', n),
          field('Kernel k', k),
          field('Stride s', s),
          field('Padding p', p, "a number, or 'valid', 'same', 'full'"),
          field('Dilation d', d),
          opField,
          field('In channels', cin),
          field('Out channels', cout),
        ),
        errors.node,
        out,
      ),
    );
    const compute = (): void => {
      const kd = kind.value as Kind;
      opField.hidden = kd !== 'convTranspose';
      const padText = p.value.trim();
      const padding: number | 'valid' | 'same' | 'full' =
        padText === 'valid' || padText === 'same' || padText === 'full' ? padText : Number(padText);
      try {
        if (typeof padding === 'number' && (!Number.isInteger(padding) || padding < 0))
          throw new RangeError(`padding must be a non-negative integer or valid, same, full; got '${padText}'`);
        const o = {
          input: Number(n.value),
          kernel: Number(k.value),
          stride: Number(s.value),
          padding,
          dilation: Number(d.value),
          inChannels: Number(cin.value),
          outChannels: Number(cout.value),
          ...(kd === 'convTranspose' ? { outputPadding: Number(op.value) } : {}),
        };
        const r =
          kd === 'conv'
            ? train.convArith(o)
            : kd === 'pool'
              ? train.poolArith({ ...o, outChannels: undefined, stride: Number(s.value) })
              : train.convTransposeArith(o);
        const a = r.axes[0];
        errors.show(null);
        out.replaceChildren(
          el('p', {}, el('code', { text: a.formula })),
          el(
            'p',
            {},
            'output: ',
            el('b', { 'data-testid': 'calc-output', text: String(a.output) }),
            ` × ${a.output} per channel; shape [${r.outputShape.join(', ')}]`,
          ),
          a.uncovered > 0
            ? el('p', {
                class: 'warn',
                text: `the last ${a.uncovered} input cell${a.uncovered > 1 ? 's are' : ' is'} in no window (the floor drops ${a.uncovered > 1 ? 'them' : 'it'})`,
              })
            : '',
          el('p', {}, 'parameters: ', el('b', { 'data-testid': 'calc-params', text: r.paramsFormula ?? '—' })),
          r.macs !== null ? el('p', { text: `multiply-adds per image: ${count(r.macs)}` }) : '',
        );
      } catch (e) {
        out.replaceChildren();
        errors.show(`impossible: ${message(e)}`);
      }
    };
    for (const c of [kind, n, k, s, p, d, op, cin, cout]) c.addEventListener('input', compute);
    compute();

    const modelSel = select(
      MODELS.map(([m, shape]) => [m, `${m} on [${shape.join(', ')}]`] as const),
      'lenet5',
      { 'data-testid': 'rf-model' },
    );
    const table = el('div', { 'data-testid': 'rf-table' });
    const modelErrors = errorBox();
    root.append(
      el(
        'section',
        { class: 'calc' },
        el('h2', { text: "A model's receptive fields" }),
        field('Model', modelSel),
        modelErrors.node,
        table,
      ),
    );
    const showModel = (): void => {
      const entry = MODELS.find(([m]) => m === modelSel.value) ?? MODELS[0];
      try {
        const model = models.createModel(entry[0], { inputShape: entry[1] });
        const sum = train.summary(model, entry[1]);
        const t = el('table', { class: 'rf' });
        t.append(
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ...['layer', 'type', 'output', 'params', 'receptive field', 'jump'].map((h) =>
                el('th', { scope: 'col', text: h }),
              ),
            ),
          ),
        );
        const body = el('tbody');
        for (const r of sum.rows) {
          if (r.isContainer) continue;
          body.append(
            el(
              'tr',
              {},
              el('td', { text: r.name }),
              el('td', { text: r.type }),
              el('td', { text: `[${r.outputShape.slice(1).join(', ')}]` }),
              el('td', { text: count(r.params) }),
              el('td', { text: r.receptiveField ? r.receptiveField.join('×') : (r.fieldNote ?? '—') }),
              el('td', { text: r.jump ? r.jump.join('×') : '—' }),
            ),
          );
        }
        t.append(body);
        table.replaceChildren(
          t,
          el('p', { text: `${count(sum.totalParams)} parameters, ${count(sum.totalMacs)} multiply-adds per image` }),
        );
        modelErrors.show(null);
      } catch (e) {
        modelErrors.show(message(e));
      }
    };
    modelSel.addEventListener('change', showModel);
    showModel();
    return undefined;
  },
};
