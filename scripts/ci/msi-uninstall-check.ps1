# CI (Windows): uninstalls CPx Link silently (msiexec /x ... /qn, as IT would) and checks that the installer's
# footprint is gone: the Program Files folder, the uninstall entry, the cpxlink: scheme, the shortcuts. What running the
# app created in the user's own profile (%APPDATA%\CPx Link: settings, logs) is the user's and stays, as with any
# per-machine MSI; it is listed, not counted as a leftover. Run elevated. Usage: npm run ci:msi-uninstall-check

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path
$out = Join-Path $root 'dist\ci' # logs and reports, kept by the CI job when a step fails
New-Item -ItemType Directory -Path $out -Force | Out-Null

function Fail([string] $message) {
  [Console]::Error.WriteLine("msi-uninstall-check: $message")
  exit 1
}
function ValueOf($item, [string] $name) {
  $p = $item.PSObject.Properties[$name]
  if ($p) { return $p.Value } else { return $null }
}

$msi = Get-ChildItem -Path (Join-Path $root 'dist\installers') -Filter '*.msi' -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $msi) { Fail 'no MSI under dist\installers' }
$log = Join-Path $out 'msiexec-uninstall.log'
$remove = Start-Process -FilePath 'msiexec.exe' -ArgumentList @('/x', "`"$($msi.FullName)`"", '/qn', '/norestart', '/l*v', "`"$log`"") -Wait -PassThru
if ($remove.ExitCode -ne 0) {
  Get-Content -Path $log -Tail 40
  Fail "msiexec /x exited with $($remove.ExitCode) (log: $log)"
}
Write-Output "✓ msiexec /x `"$($msi.Name)`" /qn"

$left = @()
$dir = Join-Path $env:ProgramFiles 'CPx Link'
if (Test-Path -LiteralPath $dir) { $left += "$dir ($(@(Get-ChildItem -LiteralPath $dir -Recurse -File).Count) files)" }
foreach ($hive in @('HKLM:', 'HKCU:')) {
  foreach ($key in @("$hive\SOFTWARE\Classes\cpxlink")) { if (Test-Path $key) { $left += $key } }
  foreach ($uninstallKey in @("$hive\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall", "$hive\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall")) {
    $entries = Get-ChildItem $uninstallKey -ErrorAction SilentlyContinue | Get-ItemProperty -ErrorAction SilentlyContinue | Where-Object { (ValueOf $_ 'DisplayName') -like 'CPx Link*' }
    foreach ($e in @($entries)) { if ($e) { $left += "uninstall entry $uninstallKey\$($e.PSChildName)" } }
  }
}
$shortcuts = @(
  (Join-Path $env:PUBLIC 'Desktop\CPx Link.lnk'),
  (Join-Path $env:ProgramData 'Microsoft\Windows\Start Menu\Programs\CPx Link.lnk'),
  (Join-Path $env:USERPROFILE 'Desktop\CPx Link.lnk'),
  (Join-Path $env:APPDATA 'Microsoft\Windows\Start Menu\Programs\CPx Link.lnk')
)
foreach ($l in $shortcuts) { if (Test-Path -LiteralPath $l) { $left += $l } }
if ($left.Count -gt 0) { Fail "left behind: $($left -join '; ')" }
Write-Output '✓ nothing of the installer left: Program Files, HKLM/HKCU scheme and uninstall entries, shortcuts'

$userData = Join-Path $env:APPDATA 'CPx Link'
if (Test-Path -LiteralPath $userData) { Write-Output "  (the user's own data stays, as designed: $userData)" }
