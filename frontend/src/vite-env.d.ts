/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_AOMAS_VERSION?: string;
}
