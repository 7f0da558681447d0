// Small 16px stroke icons, drawn for this app; they inherit currentColor.
import type { ReactNode } from 'react';

function Icon({ children, size = 16 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.3"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

type IconProps = { size?: number };

export const SystemIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <rect x="2" y="2.5" width="12" height="8.5" rx="1" />
    <path d="M5.5 13.5h5M8 11v2.5" />
    <path d="M4 8l2-2 2 1.5L11 5" />
  </Icon>
);

export const CasesIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <path d="M2 4.5a1 1 0 0 1 1-1h3l1.5 1.5H13a1 1 0 0 1 1 1V12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1z" />
  </Icon>
);

export const RunsIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <circle cx="3.5" cy="8" r="1.5" />
    <circle cx="12.5" cy="4" r="1.5" />
    <circle cx="12.5" cy="12" r="1.5" />
    <path d="M5 8h2.5M7.5 8V4H11M7.5 8v4H11" />
  </Icon>
);

export const ViewerIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <path d="M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8z" />
    <circle cx="8" cy="8" r="2" />
  </Icon>
);

export const ModelsIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <path d="M8 1.8l5.5 3.1v6.2L8 14.2l-5.5-3.1V4.9z" />
    <path d="M2.5 4.9L8 8l5.5-3.1M8 8v6.2" />
  </Icon>
);

export const AdminIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <path d="M8 1.8l5 2v4c0 3-2.2 5.3-5 6.4-2.8-1.1-5-3.4-5-6.4v-4z" />
    <path d="M5.8 8l1.6 1.6 2.9-3" />
  </Icon>
);

export const WorkIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <rect x="3" y="2.5" width="10" height="11.5" rx="1" />
    <path d="M6 2.5v-1h4v1M5.5 6.5l1.2 1.2 2.3-2.4M5.5 10.5h5" />
  </Icon>
);

export const RefreshIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <path d="M13 8a5 5 0 1 1-1.5-3.6" />
    <path d="M13 2.5v2.5h-2.5" />
  </Icon>
);

export const ChevronLeftIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <path d="M10 3.5L5.5 8l4.5 4.5" />
  </Icon>
);

export const TableIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <rect x="2" y="2.5" width="12" height="11" rx="1" />
    <path d="M2 6h12M2 9.5h12M6 6v7.5M10 6v7.5" />
  </Icon>
);

export const UploadIcon = ({ size }: IconProps) => (
  <Icon size={size}>
    <path d="M8 10.5V2.5M4.8 5.6L8 2.5l3.2 3.1" />
    <path d="M2.5 10.5v2a1 1 0 0 0 1 1h9a1 1 0 0 0 1-1v-2" />
  </Icon>
);
