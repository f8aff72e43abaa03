// electron-builder hook (msiProjectCreated, build/electron-builder.yml): registers the cpxlink: URL scheme in the
// per-machine MSI. electron-builder's MSI target writes file associations but no URL scheme (its NSIS target does),
// so this adds one WiX component to the project it generated, before it is compiled:
//
//   HKLM\Software\Classes\cpxlink                       (Default) "URL:CPx Link", "URL Protocol" ""
//   HKLM\Software\Classes\cpxlink\DefaultIcon           (Default) "<exe>",0
//   HKLM\Software\Classes\cpxlink\shell\open\command    (Default) "<exe>" "%1"
//
// HKLM, not HKCU: every user of the workstation, owned by IT, removed by the uninstall (the app itself never calls
// setAsDefaultProtocolClient). "%1" comes last and quoted (CVE-2018-1000006): the link is one argument, which the
// app only parses. The WiX project is edited as XML (a DOM), not as text.

import { readFile, writeFile } from 'node:fs/promises';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';

export const URL_SCHEME = 'cpxlink';
export const SCHEME_KEY = `Software\\Classes\\${URL_SCHEME}`;
/** Fixed for the product's life, like the upgrade code: the same component in every version. */
export const COMPONENT_ID = 'cpxlinkUrlScheme';
export const COMPONENT_GUID = '{7B3E0C52-4A1D-4F86-9E2B-6D58C1A0F3E7}';
/** electron-builder's id for the app's main executable in the project; `[#id]` is its installed path. */
const EXE = '[#mainExecutable]';

/** The WiX project with the scheme's component added to the product's components. */
export function addSchemeRegistration(wxs) {
  const doc = new DOMParser().parseFromString(wxs, 'text/xml');
  const ns = doc.documentElement.namespaceURI;
  const byId = (tag, id) => Array.from(doc.getElementsByTagNameNS(ns, tag)).find((e) => e.getAttribute('Id') === id);
  const group = byId('ComponentGroup', 'ProductComponents');
  if (!group) throw new Error('msi-protocol: no ProductComponents in the WiX project');
  if (!byId('File', 'mainExecutable')) throw new Error('msi-protocol: no mainExecutable in the WiX project');
  if (byId('Component', COMPONENT_ID)) return wxs;

  const el = (tag, attrs, ...children) => {
    const e = doc.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const c of children) e.appendChild(c);
    return e;
  };
  const value = (attrs) => el('RegistryValue', { Type: 'string', ...attrs });
  const component = el('Component', { Id: COMPONENT_ID, Guid: COMPONENT_GUID },
    el('RegistryKey', { Root: 'HKLM', Key: SCHEME_KEY, ForceDeleteOnUninstall: 'yes' },
      value({ Value: 'URL:CPx Link', KeyPath: 'yes' }),
      value({ Name: 'URL Protocol', Value: '' }),
      el('RegistryKey', { Key: 'DefaultIcon' }, value({ Value: `${EXE},0` })),
      el('RegistryKey', { Key: 'shell\\open\\command' }, value({ Value: `"${EXE}" "%1"` }))));
  group.appendChild(component);
  return new XMLSerializer().serializeToString(doc);
}

export async function msiProjectCreated(projectFile) {
  await writeFile(projectFile, addSchemeRegistration(await readFile(projectFile, 'utf8')));
}

export default msiProjectCreated;
