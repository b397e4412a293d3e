import type { Classifier } from '../core/classifier.js';

/** The part of the engine's `Classifier` the worker uses (tests can supply just this much). */
export type WorkerClassifier = Pick<Classifier, 'info' | 'embedImage' | 'embedTexts' | 'score' | 'close'>;
