# CI (Windows): uninstalls CPx Link silently (msiexec /x ... /qn, as IT would) and checks that the installer's
# footprint is gone: the Program Files folder, the uninstall entry, the cpxlink: scheme, the shortcuts. What running the
# app created in the user's own profile (%APPDATA%\CPx Link: settings, logs) is the user's and stays, as with any
# per-machine MSI; it is listed, not counted as a leftover. Run elevated. Usage: npm run ci:msi-uninstall-check

. (Join-Path $PSScriptRoot 'msi.ps1')

Invoke-Msiexec '/x' (Get-Msi)

$left = @()
$dir = Join-Path $env:ProgramFiles 'CPx Link'
if (Test-Path -LiteralPath $dir) { $left += "$dir ($(@(Get-ChildItem -LiteralPath $dir -Recurse -File).Count) files)" }
foreach ($hive in @('HKLM:', 'HKCU:')) {
  if (Test-Path "$hive\SOFTWARE\Classes\cpxlink") { $left += "$hive\SOFTWARE\Classes\cpxlink" }
  $left += @(Get-UninstallEntries $hive | ForEach-Object { "uninstall entry $_" })
}
$shortcuts = @(
  (Join-Path $env:PUBLIC 'Desktop\CPx Link.lnk'),
  (Join-Path $env:ProgramData 'Microsoft\Windows\Start Menu\Programs\CPx Link.lnk'),
  (Join-Path $env:USERPROFILE 'Desktop\CPx Link.lnk'),
  (Join-Path $env:APPDATA 'Microsoft\Windows\Start Menu\Programs\CPx Link.lnk')
)
foreach ($l in $shortcuts) { if (Test-Path -LiteralPath $l) { $left += $l } }
if ($left.Count -gt 0) { Fail "left behind: $($left -join '; ')" }
Ok 'nothing of the installer left: Program Files, HKLM/HKCU scheme and uninstall entries, shortcuts'

$userData = Join-Path $env:APPDATA 'CPx Link'
if (Test-Path -LiteralPath $userData) { Write-Output "  (the user's own data stays, as designed: $userData)" }
