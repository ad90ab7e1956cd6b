// Vite's client types (import.meta.env, import.meta.glob, CSS imports) for the browser code.
/// <reference types="vite/client" />
