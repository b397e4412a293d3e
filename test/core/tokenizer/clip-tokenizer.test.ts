import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadModelSpec } from '../../../src/core/model/index.js';
import { ClipTokenizer, htmlUnescape } from '../../../src/core/tokenizer/index.js';
import { GOLDEN_DIR, TINY_MODEL_DIR } from '../../support/fixtures.js';

interface GoldenCase {
  text: string;
  ids: number[];
  truncated: boolean;
}
const golden = JSON.parse(readFileSync(path.join(GOLDEN_DIR, 'tokenizer-openai.json'), 'utf8')) as {
  context_length: number;
  end_id: number;
  cases: GoldenCase[];
};

/** Hugging Face's CLIPTokenizerFast on the same and more strings (test/fixtures/README.md). */
const hf = JSON.parse(readFileSync(path.join(GOLDEN_DIR, 'tokenizer-hf.json'), 'utf8')) as {
  cases: { text: string; ids: number[] }[];
};

describe('ClipTokenizer', async () => {
  const spec = await loadModelSpec(TINY_MODEL_DIR);

  it('reads a 77-token context from the model', () => {
    assert.equal(spec.contextLength, golden.context_length);
  });

  it('reproduces every golden case of OpenAI CLIP exactly', () => {
    const tok = new ClipTokenizer(spec, { onWarning: () => {} });
    assert.equal(golden.cases.length, 18);
    for (const c of golden.cases) assert.deepEqual(tok.encode(c.text), c.ids, JSON.stringify(c.text));
  });

  it("agrees with transformers' CLIPTokenizerFast except on HTML entities, which OpenAI's tokenizer unescapes", () => {
    const tok = new ClipTokenizer(spec, { onWarning: () => {} });
    assert.ok(hf.cases.length >= 30);
    for (const c of hf.cases) {
      const ours = tok.encode(c.text);
      if (c.text.includes('&amp;')) assert.notDeepEqual(ours, c.ids, JSON.stringify(c.text));
      else assert.deepEqual(ours, c.ids, JSON.stringify(c.text));
    }
  });

  it('warns once about truncation, however many texts are truncated', () => {
    const warnings: string[] = [];
    const tok = new ClipTokenizer(spec, { onWarning: (m) => warnings.push(m) });
    const long = golden.cases.filter((c) => c.truncated);
    assert.ok(long.length >= 2);
    for (let i = 0; i < 3; i++) for (const c of long) assert.equal(tok.encode(c.text).length, 77);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /truncated/);
    assert.equal(tok.encode(long[0]!.text).at(-1), golden.end_id);
  });

  it('pads a CLIP batch to its longest text with end-of-text and masks the padding', () => {
    const tok = new ClipTokenizer(spec);
    const batch = tok.encodeBatch(['a photo of a cat', '']);
    assert.equal(batch.seqLen, 7);
    assert.deepEqual(batch.ids[1], [49406, 49407, 49407, 49407, 49407, 49407, 49407]);
    assert.deepEqual(batch.attentionMask[1], [1, 1, 0, 0, 0, 0, 0]);
    assert.deepEqual(batch.attentionMask[0], [1, 1, 1, 1, 1, 1, 1]);
  });

  it('pads a SigLIP batch to the full context', () => {
    const tok = new ClipTokenizer({ ...spec, modelType: 'siglip', contextLength: 64 });
    const batch = tok.encodeBatch(['a cat']);
    assert.equal(batch.seqLen, 64);
    assert.equal(batch.ids[0]!.length, 64);
  });

  it('unescapes HTML like Python html.unescape', () => {
    assert.equal(htmlUnescape('fish &amp;amp; chips'), 'fish &amp; chips');
    assert.equal(htmlUnescape(htmlUnescape('fish &amp;amp; chips')), 'fish & chips');
    assert.equal(htmlUnescape('&lt;b&gt; &#39;x&#x27; caf&eacute; &ampx &bogus;'), "<b> 'x' café &x &bogus;");
  });
});
