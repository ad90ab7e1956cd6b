// Entry point of the sandbox EHR page (/ehr): the page that plays the EHR around CDS Hooks and SMART.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EhrPage } from './EhrPage';
import './ehr.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EhrPage />
  </StrictMode>,
);
