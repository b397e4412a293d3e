export {
  DEFAULT_FETCH_TIMEOUT_MS,
  type FetchedImageUrl,
  type FetchImageOptions,
  fetchImageUrl,
  fetchImageUrlHashed,
} from './fetch-image-url.js';
export {
  type HttpSourcePolicy,
  matchHttpSource,
  NO_HTTP_SOURCES,
  OPEN_HTTP_SOURCES,
  parseHostRule,
  parseHttpSources,
} from './http-source-policy.js';
export { hasImageExtension, IMAGE_EXTENSIONS } from './image-extensions.js';
export { imageName } from './image-name.js';
export { readImageFile } from './read-image-file.js';
export { type ReadImageOptions, readImageSource } from './read-image-source.js';
