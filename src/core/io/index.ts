export { DEFAULT_FETCH_TIMEOUT_MS, type FetchImageOptions, fetchImageUrl } from './fetch-image-url.js';
export { imageName } from './image-name.js';
export { readImageFile } from './read-image-file.js';
export { type ReadImageOptions, readImageSource } from './read-image-source.js';
