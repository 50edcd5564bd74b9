/**
 * A bundled list of common passwords that pass the length rule (12+ characters), drawn from the
 * most frequent entries of public breach corpora (SecLists, HIBP top lists). Compared
 * case-insensitively. Short classics ("password", "123456") are rejected by the length rule already.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '123456789012', '1234567890123', '12345678901234', '123456789123', '1234567891011', '123123123123',
  '111111111111', '000000000000', '121212121212', '123412341234', '987654321098', '098765432109',
  '112233445566', '147258369147', '123qweasdzxc', '1q2w3e4r5t6y', '1qaz2wsx3edc', 'qwertyuiopas',
  'qwertyuiop12', 'qwertyuiop123', 'qwerty123456', 'qwerty1234567', 'qwertyqwerty', 'asdfghjkl123',
  'asdfghjklqwe', 'zxcvbnm12345', 'zaq12wsxcde3', 'qazwsxedcrfv', '1qazxsw23edc', 'password1234',
  'password12345', 'password123456', 'password1234!', 'passwordpassword', 'password123!', 'password2020',
  'password2021', 'password2022', 'password2023', 'password2024', 'password2025', 'passw0rd1234',
  'p@ssw0rd1234', 'p@ssword1234', 'mypassword123', 'mypassword1234', 'newpassword123', 'changeme1234',
  'changeme12345', 'letmein12345', 'letmein123456', 'welcome12345', 'welcome123456', 'welcome2024!',
  'iloveyou1234', 'iloveyou12345', 'iloveyouiloveyou', 'sunshine1234', 'princess1234', 'football1234',
  'baseball1234', 'superman1234', 'batman123456', 'starwars1234', 'trustno11234', 'monkey123456',
  'dragon123456', 'master123456', 'shadow123456', 'michael12345', 'jennifer1234', 'computer1234',
  'internet1234', 'administrator', 'administrator1', 'admin1234567', 'admin12345678', 'adminadmin123',
  'rootroot1234', 'abc123456789', 'abcdefghijkl', 'abcdefghijklm', 'abcd12345678', 'abcdefg12345',
  'aaaaaaaaaaaa', 'qqqqqqqqqqqq', 'zzzzzzzzzzzz', 'correcthorsebatterystaple', 'correct horse battery staple',
  'thequickbrownfox', 'loveyouforever', 'whateverwhatever', 'secretpassword', 'supersecret123',
  'topsecret1234', 'mysecretpassword', 'helloworld123', 'helloworld1234', 'hellohello123', 'qwe123qwe123',
  'asd123asd123', 'zxc123zxc123', 'a1b2c3d4e5f6', '1a2b3c4d5e6f', 'q1w2e3r4t5y6', 'q1w2e3r4t5y6u7',
  '!qaz@wsx#edc', '!@#$%^&*()_+', '1234qwerasdf', 'qwer1234asdf', 'asdf1234qwer', 'football12345',
  'liverpool1234', 'chelsea12345', 'arsenal12345', 'manchester123', 'basketball123', 'soccer123456',
  'michelle1234', 'jessica12345', 'charlie12345', 'jordan232323', 'summer123456', 'winter123456',
  'spring123456', 'autumn123456', 'january12345', 'december1234', 'samsung12345', 'iphone123456',
  'google123456', 'facebook1234', 'linkedin1234', 'microsoft123', 'agentry12345', 'agentrypassword',
]);
