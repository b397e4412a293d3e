export { isLoopbackAddress, isPublicAddress, unmapIPv4 } from './ip-ranges.js';
