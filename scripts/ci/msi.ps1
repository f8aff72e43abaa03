# Shared by the MSI checks (dot-sourced): where the MSI and the logs are, how msiexec is run, how the uninstall entries
# are found, and how a check fails.

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path
$out = Join-Path $root 'dist\ci' # logs and reports, kept by the CI job when a step fails
New-Item -ItemType Directory -Path $out -Force | Out-Null
$checkName = [IO.Path]::GetFileNameWithoutExtension($MyInvocation.PSCommandPath)

function Fail([string] $message) {
  [Console]::Error.WriteLine("${checkName}: $message")
  exit 1
}

function Ok([string] $message) { Write-Output "✓ $message" }

# A property of an object, or $null when it has none (strict mode would throw).
function ValueOf($item, [string] $name) {
  $p = $item.PSObject.Properties[$name]
  if ($p) { return $p.Value } else { return $null }
}

function Get-Msi {
  $msi = Get-ChildItem -Path (Join-Path $root 'dist\installers') -Filter '*.msi' -ErrorAction SilentlyContinue | Select-Object -First 1
  if (-not $msi) { Fail 'no MSI under dist\installers (run npm run dist first)' }
  return $msi
}

# msiexec <action> <msi> /qn with a verbose log in dist\ci; fails with the log's tail when it does not exit with 0.
function Invoke-Msiexec([string] $action, $msi) {
  $log = Join-Path $out "msiexec$action.log".Replace('/', '-')
  $p = Start-Process -FilePath 'msiexec.exe' -ArgumentList @($action, "`"$($msi.FullName)`"", '/qn', '/norestart', '/l*v', "`"$log`"") -Wait -PassThru
  if ($p.ExitCode -ne 0) {
    Get-Content -Path $log -Tail 40
    Fail "msiexec $action exited with $($p.ExitCode) (log: $log)"
  }
  Ok "msiexec $action `"$($msi.Name)`" /qn"
}

# The uninstall entries named CPx Link under a hive's Uninstall keys (both registry views).
function Get-UninstallEntries([string] $hive) {
  foreach ($key in @("$hive\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall", "$hive\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall")) {
    Get-ChildItem $key -ErrorAction SilentlyContinue | Get-ItemProperty -ErrorAction SilentlyContinue |
      Where-Object { (ValueOf $_ 'DisplayName') -like 'CPx Link*' } | ForEach-Object { "$key\$($_.PSChildName)" }
  }
}
