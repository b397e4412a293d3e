import { UsageError } from '../errors/index.js';
import type { TemplateOptions } from '../types.js';
import { IMAGENET_80_TEMPLATES } from './imagenet-templates.js';

/** The Hugging Face zero-shot-image-classification pipeline's default hypothesis template. */
export const DEFAULT_TEMPLATE = 'This is a photo of {}.';

/** Named template sets accepted by `ensemble` / `--ensemble`. */
export const TEMPLATE_PRESETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  imagenet80: IMAGENET_80_TEMPLATES,
});

const MAX_TEMPLATE_LENGTH = 1000;

/**
 * The templates a label is embedded with: the given `templates`, then the `ensemble` preset's, without
 * repeats; `[DEFAULT_TEMPLATE]` when neither is given. Each template must contain `{}`.
 */
export function resolveTemplates(opts: TemplateOptions = {}): string[] {
  const out: string[] = [];
  if (opts.templates !== undefined) {
    if (!Array.isArray(opts.templates)) {
      throw new UsageError('INVALID_OPTION', 'templates must be an array of strings containing {}');
    }
    for (const t of opts.templates) {
      if (typeof t !== 'string' || !t.includes('{}')) {
        throw new UsageError(
          'INVALID_OPTION',
          `template ${JSON.stringify(t)} must contain {} where the label goes, e.g. "a photo of a {}."`,
        );
      }
      if (t.length > MAX_TEMPLATE_LENGTH) {
        throw new UsageError('INVALID_OPTION', `a template is longer than ${MAX_TEMPLATE_LENGTH} characters`);
      }
      out.push(t);
    }
  }
  if (opts.ensemble !== undefined) {
    const preset = Object.hasOwn(TEMPLATE_PRESETS, opts.ensemble)
      ? TEMPLATE_PRESETS[opts.ensemble]
      : undefined;
    if (!preset) {
      throw new UsageError(
        'INVALID_OPTION',
        `unknown template ensemble ${JSON.stringify(opts.ensemble)} (allowed: ${Object.keys(TEMPLATE_PRESETS).join(', ')})`,
      );
    }
    out.push(...preset);
  }
  return out.length === 0 ? [DEFAULT_TEMPLATE] : [...new Set(out)];
}

/** The text the text encoder sees for one label and template. */
export function fillTemplate(template: string, label: string): string {
  return template.replaceAll('{}', label);
}
