# CI (Windows): installs the MSI that `npm run dist` built the way GPO software installation and IT scripts do
# (msiexec /i ... /qn, per machine) and checks what it put on the workstation: the files under Program Files with the
# native modules unpacked and the fuses set, the uninstall entry and the cpxlink: scheme in HKLM, nothing per user.
# Then writes machine and user policies under SOFTWARE\Policies\CPxLink and checks that the installed app reads them
# in-process (its --diagnostic-report): precedence, REG_EXPAND_SZ expanded, bad values reported, and the card service
# (utility process, pkcs11js rebuilt for Electron) loading OpenSC's PKCS#11 module that the policy names.
# Run elevated, with OpenSC installed. Usage: npm run ci:msi-install-check

. (Join-Path $PSScriptRoot 'msi.ps1')

Invoke-Msiexec '/i' (Get-Msi)

# Per machine: Program Files, with what the app loads at run time.
$dir = Join-Path $env:ProgramFiles 'CPx Link'
$exe = Join-Path $dir 'CPxLink.exe'
$expected = @(
  $exe,
  'resources\app.asar',
  'resources\app.asar.unpacked\node_modules\pkcs11js\build\Release\pkcs11.node',
  'resources\app.asar.unpacked\node_modules\native-reg\prebuilds\win32-x64\node.napi.node',
  'resources\policies\windows\CPxLink.admx'
)
foreach ($f in $expected) {
  $full = if ([IO.Path]::IsPathRooted($f)) { $f } else { Join-Path $dir $f }
  if (-not (Test-Path -LiteralPath $full)) { Fail "missing $full" }
}
Ok "files under $dir"
& node (Join-Path $root 'scripts\ci\fuses-check.mjs') $exe
if ($LASTEXITCODE -ne 0) { Fail 'the installed executable does not carry the configured fuses' }

# Per machine in the registry: the uninstall entry and the cpxlink: scheme, whose command keeps the link last, quoted.
$uninstall = @(Get-UninstallEntries 'HKLM:')
if ($uninstall.Count -eq 0) { Fail 'no uninstall entry under HKLM' }
Ok "uninstall entry $($uninstall[0])"
$scheme = 'HKLM:\SOFTWARE\Classes\cpxlink'
if (-not (Test-Path $scheme)) { Fail 'HKLM\Software\Classes\cpxlink is missing: the MSI does not register the cpxlink: scheme' }
if ($null -eq (ValueOf (Get-ItemProperty $scheme) 'URL Protocol')) { Fail 'HKLM\Software\Classes\cpxlink has no "URL Protocol" value' }
$command = (Get-Item (Join-Path $scheme 'shell\open\command')).GetValue('')
if ($command -notmatch '^".+\\CPxLink\.exe".*"%1"$') { Fail "cpxlink open command must run CPxLink.exe with `"%1`" last: $command" }
Ok "cpxlink: registered per machine: $command"

# Nothing per user: no HKCU scheme (it would shadow HKLM and outlive an uninstall), no per-user install or entry.
if (Test-Path 'HKCU:\Software\Classes\cpxlink') { Fail 'HKCU\Software\Classes\cpxlink exists: a per-user registration shadows the machine one' }
$userEntry = @(Get-UninstallEntries 'HKCU:')
if ($userEntry.Count -gt 0) { Fail "a per-user uninstall entry exists: $($userEntry -join '; ')" }
foreach ($d in @((Join-Path $env:LOCALAPPDATA 'Programs\CPx Link'), (Join-Path $env:LOCALAPPDATA 'Programs\cpx-link'), (Join-Path $env:APPDATA 'CPx Link'))) {
  if (Test-Path -LiteralPath $d) { Fail "per-user folder $d exists after a per-machine install" }
}
Ok 'nothing per user'

# Policies as group policy writes them, read by the installed app in-process.
$opensc = Join-Path $env:ProgramFiles 'OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll'
if (-not (Test-Path -LiteralPath $opensc)) { Fail "OpenSC is not installed ($opensc): the check loads its PKCS#11 module through the policy" }
$machine = 'HKLM:\SOFTWARE\Policies\CPxLink'
$user = 'HKCU:\SOFTWARE\Policies\CPxLink'
New-Item -Path $machine -Force | Out-Null
New-ItemProperty -Path $machine -Name 'ServiceUrl' -PropertyType String -Value 'https://orientation.sante-centre.fr' -Force | Out-Null
New-ItemProperty -Path $machine -Name 'AllowedOrigins' -PropertyType MultiString -Value @('https://orientation.sante-centre.fr', 'https://aide.sante-centre.fr') -Force | Out-Null
New-ItemProperty -Path $machine -Name 'Pkcs11Module' -PropertyType ExpandString -Value '%ProgramFiles%\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll' -Force | Out-Null
New-ItemProperty -Path $machine -Name 'Logging' -PropertyType String -Value 'verbose' -Force | Out-Null
New-Item -Path $user -Force | Out-Null
New-ItemProperty -Path $user -Name 'ServiceUrl' -PropertyType String -Value 'https://ignored-by-hklm.example.fr' -Force | Out-Null
New-ItemProperty -Path $user -Name 'Region' -PropertyType String -Value 'centre-val-de-loire' -Force | Out-Null
New-ItemProperty -Path $user -Name 'Language' -PropertyType DWord -Value 1 -Force | Out-Null

try {
  $reportFile = Join-Path $out 'installed-app-diagnostic-report.json'
  Remove-Item -LiteralPath $reportFile -ErrorAction SilentlyContinue
  # Waits for CPxLink.exe itself, not for whatever it started (Start-Process -Wait would).
  $run = Start-Process -FilePath $exe -ArgumentList @('--diagnostic-report', "`"$reportFile`"") -PassThru
  $null = $run.Handle # keeps the handle, so ExitCode is still there once the process has gone
  if (-not $run.WaitForExit(120000)) { $run.Kill(); Fail 'CPxLink.exe --diagnostic-report did not finish within 2 minutes' }
  if ($run.ExitCode -ne 0) { Fail "CPxLink.exe --diagnostic-report exited with $($run.ExitCode)" }
  $report = Get-Content -LiteralPath $reportFile -Raw | ConvertFrom-Json
  $s = $report.settings
  $checks = [ordered]@{
    'machine policy wins'                  = ($s.serviceUrl.value -eq 'https://orientation.sante-centre.fr' -and $s.serviceUrl.source -eq 'policy' -and $s.serviceUrl.locked)
    'REG_MULTI_SZ read as a list'          = (($s.allowedOrigins.value -join ' ') -eq 'https://orientation.sante-centre.fr https://aide.sante-centre.fr')
    'REG_EXPAND_SZ expanded'               = ($s.pkcs11Module.value -eq $opensc -and $s.pkcs11Module.source -eq 'policy')
    'user policy applies where the machine is silent' = ($s.region.value -eq 'centre-val-de-loire' -and $s.region.source -eq 'policy')
    'a bad machine value is ignored'       = ($s.logging.source -eq 'default')
    'a bad value is reported'              = [bool]($report.policy.problems | Where-Object { $_ -match '^HKLM\\SOFTWARE\\Policies\\CPxLink: logging ignored' })
    'a wrong type is reported'             = [bool]($report.policy.problems | Where-Object { $_ -match '^HKCU\\SOFTWARE\\Policies\\CPxLink: language ignored' })
    'both keys named, HKLM first'          = ($report.policy.readFrom -eq 'HKLM\SOFTWARE\Policies\CPxLink, HKCU\SOFTWARE\Policies\CPxLink')
    'the card service answered'            = ($null -eq (ValueOf $report.cardService 'error'))
    "the policy's module loaded by the card service" = [bool](@(ValueOf $report.cardService 'modules') | Where-Object { $_ -and $_.path -eq $opensc -and $_.status -eq 'loaded' })
  }
  $failed = @($checks.GetEnumerator() | Where-Object { -not $_.Value } | ForEach-Object { $_.Key })
  if ($failed.Count -gt 0) {
    Get-Content -LiteralPath $reportFile
    Fail "the installed app's diagnostic report: $($failed -join '; ')"
  }
  Ok "the installed app (Electron $($report.app.runtime.electron)) reads HKLM/HKCU policies in-process: $($checks.Keys -join '; ')"
} finally {
  Remove-Item -Path $machine, $user -Recurse -Force -ErrorAction SilentlyContinue
}
