// The intake feature as the app sees it: the upload page of callers who may upload but not
// read cases (scanners).
export { ScannerUploadPage } from './ScannerUploadPage';
