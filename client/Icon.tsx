// Status icons drawn inline (no icon font), always decorative: the adjacent text carries the meaning.
import type { Look } from './format';

export function Icon({ name, size = 20 }: { name: Look['icon']; size?: number }) {
  return (
    <svg className={`icon icon-${name}`} width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="11" fill="currentColor" />
      {name === 'check' && <path d="M6.5 12.5l3.5 3.5 7.5-8" fill="none" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />}
      {name === 'cross' && <path d="M7.5 7.5l9 9M16.5 7.5l-9 9" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" />}
      {name === 'alert' && (
        <>
          <path d="M12 6v7.5" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" />
          <circle cx="12" cy="17.3" r="1.6" fill="#fff" />
        </>
      )}
      {name === 'question' && (
        <>
          <path d="M9.2 9.3a2.9 2.9 0 1 1 4.3 2.5c-.9.5-1.5 1.1-1.5 2.2v.4" fill="none" stroke="#fff" strokeWidth="2.3" strokeLinecap="round" />
          <circle cx="12" cy="17.6" r="1.5" fill="#fff" />
        </>
      )}
    </svg>
  );
}
