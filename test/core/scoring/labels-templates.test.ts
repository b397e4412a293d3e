import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/core/errors/index.js';
import {
  DEFAULT_TEMPLATE,
  fillTemplate,
  IMAGENET_80_TEMPLATES,
  resolveTemplates,
  validateLabels,
} from '../../../src/core/scoring/index.js';

function usage(fn: () => unknown, code: string, re: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.code, code);
    assert.match(err.message, re);
    return true;
  });
}

describe('validateLabels', () => {
  it('trims and keeps order', () => {
    assert.deepEqual(validateLabels([' cat', 'dog ', 'hot dog']), ['cat', 'dog', 'hot dog']);
  });
  it('no labels', () => usage(() => validateLabels([]), 'INVALID_LABELS', /no labels/));
  it('blank label names its position', () =>
    usage(() => validateLabels(['cat', '  ']), 'INVALID_LABELS', /#2.*blank/));
  it('duplicate names the label', () =>
    usage(() => validateLabels(['cat', 'dog', ' cat']), 'INVALID_LABELS', /duplicate label "cat"/));
  it('non-strings', () => usage(() => validateLabels(['cat', 3]), 'INVALID_LABELS', /not a string/));
  it('1,000 labels are fine', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `label ${i}`);
    assert.equal(validateLabels(many).length, 1000);
  });
  it('absurdly many or long labels are refused', () => {
    usage(
      () => validateLabels(Array.from({ length: 10_001 }, (_, i) => `l${i}`)),
      'INVALID_LABELS',
      /at most/,
    );
    usage(() => validateLabels(['x'.repeat(5000)]), 'INVALID_LABELS', /longer than/);
  });
});

describe('templates', () => {
  it('defaults to the Hugging Face hypothesis template', () => {
    assert.deepEqual(resolveTemplates(), [DEFAULT_TEMPLATE]);
    assert.equal(DEFAULT_TEMPLATE, 'This is a photo of {}.');
    assert.equal(fillTemplate(DEFAULT_TEMPLATE, 'cat'), 'This is a photo of cat.');
  });
  it('imagenet80 preset: the 80 distinct CLIP templates', () => {
    assert.equal(IMAGENET_80_TEMPLATES.length, 80);
    assert.equal(new Set(IMAGENET_80_TEMPLATES).size, 80);
    assert.ok(IMAGENET_80_TEMPLATES.every((t) => t.includes('{}')));
    assert.deepEqual(resolveTemplates({ ensemble: 'imagenet80' }), [...IMAGENET_80_TEMPLATES]);
  });
  it('explicit templates, combined with a preset without repeats', () => {
    assert.deepEqual(resolveTemplates({ templates: ['a {}', 'b {}'] }), ['a {}', 'b {}']);
    const both = resolveTemplates({ templates: ['a photo of a {}.'], ensemble: 'imagenet80' });
    assert.equal(both.length, 80); // 'a photo of a {}.' is one of the 80
  });
  it('rejects templates without {} and unknown presets', () => {
    usage(() => resolveTemplates({ templates: ['a photo'] }), 'INVALID_OPTION', /must contain \{\}/);
    usage(() => resolveTemplates({ ensemble: 'nope' }), 'INVALID_OPTION', /allowed: imagenet80/);
  });
});
